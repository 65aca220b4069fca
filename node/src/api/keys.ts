/**
 * POST /v1/keys/reload (signed, no body): the node reads its master key file again (README:
 * Encryption at rest) and uses it at once: new blobs under its first key, a background pass
 * re-wrapping what is under an older one. 409 conflict when the file lacks a key this node's
 * data still needs (nothing is changed then); `npm run keys -- rotate` calls it on every node.
 */
export interface KeysReloaded {
  /** Hex id of the key new data keys are wrapped under. */
  currentKeyId: string;
  /** Every key the node holds now, current first. */
  keyIds: string[];
}
