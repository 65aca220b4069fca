/** SkillShare, the gateway's booking marketplace: what the rest of the gateway may import. */
export { createSkillshareRouter } from './router';
export type { SkillshareDeps } from './router';
export { openSkillshareStore } from './store';
export type { SkillshareStore, StoreOptions } from './store';
export { DEFAULT_POLICY } from './policy';
export { createMeshPhotoStore } from './photos/meshPhotoStore';
export type { SkillsharePolicy } from './policy';
export type { BookingView, BookingResponseBody, Course, Teacher } from './types';
export type { CourseView, TeacherView, BookingDetailView } from './views';
export type { SlotView, TeacherDetailView } from './catalogue';
export type { TeacherDashboardView, SessionView, CancellationView, EarningsMonthView } from './teacherDashboard';
