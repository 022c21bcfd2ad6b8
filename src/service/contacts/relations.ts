// What other areas need to know about contacts (the contacts area implements it).

export interface ContactEntry {
  /** The name the owner saved the contact under. */
  firstName: string;
  lastName: string;
  /**
   * The number the owner saved the contact under (digits; '' when added without one). Whoever has a
   * user's number in their phone book sees it on that user, whatever the phone privacy says.
   */
  phone: string;
  /** The contact has the owner in their contacts too. */
  mutual: boolean;
}

export interface ContactRelations {
  /** The owner's contact entries among `targets`. */
  contactsOf(owner: bigint, targets: readonly bigint[]): Promise<Map<bigint, ContactEntry>>;
  /** `blocker` has blocked `target`. */
  isBlocked(blocker: bigint, target: bigint): Promise<boolean>;
  /** Users who have `userId` in their contact list (they receive its name and status updates). */
  whoHasContact(userId: bigint): Promise<bigint[]>;
}

/** Both directions of a block in one lookup (every private send asks). */
export interface BlockCheck {
  /** Which of the two blocked the other (`a` when both did); undefined when neither. */
  blockBetween(a: bigint, b: bigint): Promise<bigint | undefined>;
}
