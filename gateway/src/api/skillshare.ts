/**
 * The SkillShare API's answer shapes (DESIGN §7), one entry point for clients: the dashboard
 * imports these types only. They are defined next to the code that builds them.
 */
export type { BookingDetailView, BookingView, CourseView, TeacherView } from '../skillshare/views';
export type { SlotView, TeacherDetailView } from '../skillshare/catalogue';
export type { Availability, Level, Weekday, WeeklyWindow } from '../skillshare/types';
export type { ReviewView } from '../skillshare/views';
export type { CancellationView, EarningsMonthView, SessionView, TeacherDashboardView } from '../skillshare/teacherDashboard';
