import type { Keyring } from '../crypto/keyring';
import type { HandoffContact } from '../generated/prisma/client';

/**
 * The associated data a hand-off's number is sealed under: the hand-off's id, prefixed so
 * that a ciphertext copied from OpenContact (sealed under an intake id) never opens here.
 */
function aad(handoffId: string): string {
  return `handoff:${handoffId}`;
}

/** The HandoffContact row's sealed fields for `contact`, sealed under the hand-off's id. */
export function sealHandoffContact(keyring: Keyring, handoffId: string, contact: string) {
  const sealed = keyring.seal(contact, aad(handoffId));
  return { sealedContact: sealed.ciphertext, contactNonce: sealed.nonce, contactKeyId: sealed.keyId };
}

/** The number a HandoffContact row holds (throws when it was tampered with or its key is gone). */
export function openHandoffContact(keyring: Keyring, row: Pick<HandoffContact, 'handoffId' | 'sealedContact' | 'contactNonce' | 'contactKeyId'>): string {
  return keyring.unseal({ ciphertext: row.sealedContact, nonce: row.contactNonce, keyId: row.contactKeyId }, aad(row.handoffId));
}
