/**
 * Where teacher photos live. The gateway keeps only a reference (TeacherPhoto) in the
 * SkillShare store; the bytes are a GeoVault file in the mesh (meshPhotoStore.ts).
 */
import type { TeacherPhoto } from '../types';

export interface PhotoStore {
  /** Stores a finished thumbnail, preferring the nodes of `region`; resolves once it is durable. */
  save(bytes: Buffer, mime: string, region: string): Promise<Omit<TeacherPhoto, 'updatedAt'>>;
  /** The thumbnail's bytes; rejects with AppError not_found when no node has it. */
  read(photo: TeacherPhoto): Promise<Buffer>;
  /** Best effort: a replaced photo left behind only costs its few kilobytes. */
  remove(photo: TeacherPhoto): Promise<void>;
}
