/** The seeded courses: private lessons (capacity 1) and group sessions, 2 per teacher. */
import type { Level } from '../types';

export interface CourseSeed {
  teacher: string;
  slug: string;
  title: string;
  skill: string;
  level: Level;
  durationMinutes: number;
  price: number;
  capacity: number;
  description: string;
}

const c = (
  teacher: string, slug: string, title: string, skill: string, level: Level,
  durationMinutes: number, price: number, capacity: number, description: string,
): CourseSeed => ({ teacher, slug, title, skill, level, durationMinutes, price, capacity, description });

export const COURSE_SEEDS: CourseSeed[] = [
  c('sofia-martinez', 'spanish-conversation', 'Spanish conversation, one to one', 'spanish', 'intermediate', 60, 32, 1, 'Talk about things you care about; corrections afterwards, not mid-sentence.'),
  c('sofia-martinez', 'dele-b2-workshop', 'DELE B2 exam workshop', 'spanish', 'advanced', 90, 18, 6, 'Timed practice of the oral and written parts in a small group.'),
  c('kenji-watanabe', 'japanese-first-steps', 'Japanese first steps: kana and greetings', 'japanese', 'beginner', 45, 30, 1, 'Hiragana, katakana and the phrases you need in your first week in Japan.'),
  c('kenji-watanabe', 'shodo-circle', 'Shodō brush calligraphy circle', 'calligraphy', 'all', 90, 20, 8, 'Ink, brush, and one character per session, practised together.'),
  c('amara-okafor', 'pandas-clinic', 'Pandas clinic: bring your data', 'python', 'intermediate', 60, 38, 1, 'Clean, reshape and plot your own data set with pandas.'),
  c('amara-okafor', 'ml-foundations', 'Machine learning foundations', 'data-science', 'beginner', 120, 25, 10, 'Regression, classification and honest evaluation, with notebooks to keep.'),
  c('liam-oconnor', 'guitar-private', 'Guitar lesson, any style', 'guitar', 'all', 45, 24, 1, 'From first chords to fingerstyle arrangements of the songs you like.'),
  c('liam-oconnor', 'irish-session-tunes', 'Irish session tunes in a group', 'guitar', 'intermediate', 60, 12, 5, 'Learn the tunes and the etiquette before you join a pub session.'),
  c('priya-raman', 'calculus-tutoring', 'Calculus tutoring', 'math', 'intermediate', 60, 25, 1, 'Limits, derivatives and integrals, with exam questions worked step by step.'),
  c('priya-raman', 'physics-problem-night', 'Physics problem night', 'physics', 'advanced', 90, 10, 12, 'Olympiad-style mechanics problems, solved on a shared whiteboard.'),
  c('mateus-silva', 'portuguese-for-travel', 'Portuguese for travellers', 'portuguese', 'beginner', 45, 17, 1, 'Ordering, asking the way, small talk: the Brazil survival kit.'),
  c('mateus-silva', 'pronunciation-lab', 'Brazilian pronunciation lab', 'portuguese', 'intermediate', 60, 9, 6, 'Nasal vowels and rhythm, drilled in a friendly group.'),
  c('emily-chen', 'piano-private', 'Piano lesson, classical or jazz', 'piano', 'all', 60, 55, 1, 'Technique, repertoire and reading, paced for you.'),
  c('emily-chen', 'harmony-for-pianists', 'Harmony for pianists', 'music-theory', 'intermediate', 90, 22, 8, 'Voicings and progressions you will hear in every standard.'),
  c('jamal-carter', 'talk-rehearsal', 'Talk rehearsal with feedback', 'public-speaking', 'all', 60, 70, 1, 'Run your talk, watch the recording, fix one thing at a time.'),
  c('jamal-carter', 'storytelling-lab', 'Storytelling lab', 'public-speaking', 'beginner', 120, 35, 10, 'Structure a five-minute story and tell it to a friendly room.'),
  c('ingrid-larsen', 'morning-vinyasa', 'Morning vinyasa flow', 'yoga', 'all', 60, 10, 12, 'An energising flow to start the day; mats and curiosity required.'),
  c('ingrid-larsen', 'mobility-one-to-one', 'Mobility coaching, one to one', 'fitness', 'beginner', 45, 24, 1, 'A plan for stiff backs and shoulders, built around your day.'),
  c('aroha-ngata', 'landscape-photo-review', 'Landscape portfolio review', 'photography', 'intermediate', 60, 45, 1, 'Detailed feedback on ten of your images, plus an editing session.'),
  c('aroha-ngata', 'urban-sketching', 'Urban sketching together', 'drawing', 'beginner', 90, 15, 6, 'Pen and wash from photos of city corners, drawn side by side.'),
  c('lukas-becker', 'chess-game-analysis', 'Chess: analyse your games', 'chess', 'intermediate', 60, 35, 1, 'Bring three recent games; leave with a training plan.'),
  c('lukas-becker', 'endgame-group', 'Endgame essentials group', 'chess', 'beginner', 90, 12, 8, 'King and pawn, rook endgames and the positions every player must know.'),
  c('fatima-haddad', 'levantine-cook-along', 'Levantine cook-along', 'cooking', 'all', 120, 20, 10, 'Mezze night from your own kitchen: hummus, tabbouleh, fatayer.'),
  c('fatima-haddad', 'arabic-basics', 'Arabic basics, one to one', 'arabic', 'beginner', 60, 33, 1, 'The alphabet, greetings and your first conversation in Modern Standard Arabic.'),
  c('oliver-grant', 'typescript-pairing', 'TypeScript pair programming', 'javascript', 'advanced', 90, 90, 1, 'We work on your codebase: types, tests and refactoring.'),
  c('oliver-grant', 'react-review-circle', 'React code review circle', 'javascript', 'intermediate', 60, 20, 6, 'Each participant brings a pull request; we review them together.'),
  c('claire-fitzgerald', 'ielts-writing', 'IELTS writing coaching', 'english', 'intermediate', 60, 27, 1, 'Task 1 and Task 2 essays marked against the official band descriptors.'),
  c('claire-fitzgerald', 'fiction-workshop', 'Short fiction workshop', 'writing', 'all', 120, 18, 8, 'Share a story, receive careful critique, and give some in return.'),
];
