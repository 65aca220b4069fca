/**
 * The seeded teachers: varied skills, rates and zones on purpose — zones with daylight time in
 * both hemispheres (Madrid, New York, Auckland, Adelaide), without it (Tokyo, Lagos, Dubai,
 * São Paulo) and with half-hour offsets (Kolkata, St John's), so the slot logic is exercised.
 */
export interface TeacherSeed {
  slug: string;
  name: string;
  timeZone: string;
  skills: string[];
  specialties: string[];
  hourlyRate: number;
  /** Reviews from before this marketplace: average and count. */
  rating: [number, number];
  /** `['mon-fri', '09:00', '13:00']`: a day range (or list `mon,wed`) and a wall-clock window. */
  weekly: [string, string, string][];
  /** Dates off and extra hours, in days after the seeding date, so they are always upcoming. */
  offInDays: number[];
  extraInDays: [number, string, string][];
  bio: string;
}

export const TEACHER_SEEDS: TeacherSeed[] = [
  {
    slug: 'sofia-martinez', name: 'Sofía Martínez', timeZone: 'Europe/Madrid',
    skills: ['spanish', 'languages'], specialties: ['DELE exam prep', 'conversation', 'business Spanish'],
    hourlyRate: 32, rating: [4.9, 212],
    weekly: [['mon-fri', '09:00', '13:00'], ['tue,thu', '17:00', '20:00']], offInDays: [4], extraInDays: [[6, '10:00', '13:00']],
    bio: 'Madrid-born teacher with ten years at Instituto Cervantes; lessons are mostly conversation, grammar when you need it.',
  },
  {
    slug: 'kenji-watanabe', name: 'Kenji Watanabe', timeZone: 'Asia/Tokyo',
    skills: ['japanese', 'calligraphy'], specialties: ['JLPT N5–N3', 'kanji', 'shodō brush calligraphy'],
    hourlyRate: 40, rating: [4.8, 154],
    weekly: [['mon-fri', '19:00', '22:00'], ['sat', '10:00', '14:00']], offInDays: [2, 3], extraInDays: [],
    bio: 'Former high-school teacher in Kyoto. I teach Japanese through real texts and, for the patient, the brush.',
  },
  {
    slug: 'amara-okafor', name: 'Amara Okafor', timeZone: 'Africa/Lagos',
    skills: ['python', 'data-science'], specialties: ['pandas', 'machine learning basics', 'interview prep'],
    hourlyRate: 38, rating: [4.7, 98],
    weekly: [['mon-fri', '08:00', '12:00'], ['wed', '14:00', '18:00']], offInDays: [], extraInDays: [[5, '14:00', '17:00']],
    bio: 'Data scientist at a Lagos fintech. We work on your own data set from the first lesson.',
  },
  {
    slug: 'liam-oconnor', name: 'Liam O’Connor', timeZone: 'Europe/Dublin',
    skills: ['guitar', 'music-theory'], specialties: ['fingerstyle', 'Irish folk', 'ear training'],
    hourlyRate: 30, rating: [4.6, 76],
    weekly: [['tue-sat', '15:00', '21:00']], offInDays: [7], extraInDays: [],
    bio: 'Session guitarist from Galway. Bring the song you always wanted to play and we will get there.',
  },
  {
    slug: 'priya-raman', name: 'Priya Raman', timeZone: 'Asia/Kolkata',
    skills: ['math', 'physics'], specialties: ['calculus', 'IB and A-level', 'olympiad problems'],
    hourlyRate: 25, rating: [4.9, 301],
    weekly: [['mon-sat', '16:00', '20:00'], ['sun', '10:00', '12:00']], offInDays: [9], extraInDays: [[3, '09:00', '11:00']],
    bio: 'PhD in applied mathematics from IISc Bangalore; I explain the why before the how.',
  },
  {
    slug: 'mateus-silva', name: 'Mateus Silva', timeZone: 'America/Sao_Paulo',
    skills: ['portuguese', 'languages'], specialties: ['Brazilian Portuguese', 'pronunciation', 'travel phrases'],
    hourlyRate: 22, rating: [4.5, 64],
    weekly: [['mon-fri', '10:00', '16:00']], offInDays: [1], extraInDays: [],
    bio: 'Paulistano, linguist and samba fan. Relaxed lessons, lots of speaking, honest feedback on your accent.',
  },
  {
    slug: 'emily-chen', name: 'Emily Chen', timeZone: 'America/Los_Angeles',
    skills: ['piano', 'music-theory'], specialties: ['classical repertoire', 'jazz voicings', 'adult beginners'],
    hourlyRate: 55, rating: [4.9, 187],
    weekly: [['mon,wed,fri', '09:00', '12:00'], ['sat', '09:00', '15:00']], offInDays: [], extraInDays: [[4, '18:00', '20:00']],
    bio: 'Juilliard graduate teaching from Pasadena. Adults who think it is too late to start are my favourite students.',
  },
  {
    slug: 'jamal-carter', name: 'Jamal Carter', timeZone: 'America/New_York',
    skills: ['public-speaking', 'writing'], specialties: ['keynotes', 'storytelling', 'pitch decks'],
    hourlyRate: 70, rating: [4.8, 122],
    weekly: [['mon-thu', '12:00', '17:00']], offInDays: [5], extraInDays: [],
    bio: 'Speechwriter and TEDx coach in Brooklyn. We record, watch, and fix one habit at a time.',
  },
  {
    slug: 'ingrid-larsen', name: 'Ingrid Larsen', timeZone: 'Europe/Oslo',
    skills: ['yoga', 'fitness'], specialties: ['vinyasa', 'mobility', 'stretches for desk workers'],
    hourlyRate: 28, rating: [4.7, 143],
    weekly: [['mon-fri', '06:30', '09:00'], ['sat,sun', '08:00', '11:00']], offInDays: [2], extraInDays: [[8, '18:00', '20:00']],
    bio: 'Yoga teacher and physiotherapist in Oslo. Gentle, precise, and always adapted to your body.',
  },
  {
    slug: 'aroha-ngata', name: 'Aroha Ngata', timeZone: 'Pacific/Auckland',
    skills: ['photography', 'drawing'], specialties: ['landscape', 'Lightroom editing', 'urban sketching'],
    hourlyRate: 45, rating: [4.6, 57],
    weekly: [['wed-sun', '13:00', '18:00']], offInDays: [6], extraInDays: [],
    bio: 'Landscape photographer from Rotorua. Lessons mix camera craft, editing and learning to see light.',
  },
  {
    slug: 'lukas-becker', name: 'Lukas Becker', timeZone: 'Europe/Berlin',
    skills: ['chess', 'math'], specialties: ['openings', 'endgames', 'tournament preparation'],
    hourlyRate: 35, rating: [4.8, 89],
    weekly: [['mon-fri', '18:00', '22:00'], ['sun', '14:00', '18:00']], offInDays: [3], extraInDays: [[10, '10:00', '12:00']],
    bio: 'FIDE Master and maths teacher in Berlin. We analyse your own games, then train what they reveal.',
  },
  {
    slug: 'fatima-haddad', name: 'Fatima Haddad', timeZone: 'Asia/Dubai',
    skills: ['cooking', 'arabic', 'languages'], specialties: ['Levantine cuisine', 'baking', 'Modern Standard Arabic'],
    hourlyRate: 33, rating: [4.7, 110],
    weekly: [['mon-fri', '10:00', '14:00'], ['sat', '11:00', '15:00']], offInDays: [], extraInDays: [[2, '17:00', '19:00']],
    bio: 'Chef from Beirut living in Dubai. Cook along from your own kitchen, or learn the language of the recipes.',
  },
  {
    slug: 'oliver-grant', name: 'Oliver Grant', timeZone: 'Australia/Adelaide',
    skills: ['javascript', 'python'], specialties: ['TypeScript', 'React', 'code review'],
    hourlyRate: 60, rating: [4.4, 41],
    weekly: [['mon-fri', '18:00', '21:00']], offInDays: [4, 11], extraInDays: [],
    bio: 'Staff engineer in Adelaide. Pair programming on your project, with the reasoning out loud.',
  },
  {
    slug: 'claire-fitzgerald', name: 'Claire Fitzgerald', timeZone: 'America/St_Johns',
    skills: ['writing', 'english'], specialties: ['IELTS', 'academic essays', 'creative fiction'],
    hourlyRate: 27, rating: [4.8, 175],
    weekly: [['mon-fri', '08:00', '11:00'], ['mon-fri', '14:00', '16:00']], offInDays: [8], extraInDays: [[12, '19:00', '21:00']],
    bio: 'Novelist and former university writing tutor in Newfoundland. Clear sentences first, style follows.',
  },
];
