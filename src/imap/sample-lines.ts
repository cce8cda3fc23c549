/** Real IMAP command lines of a VVM client, the seeds of the parser's property test and fuzz bench (bench/imap-fuzz.ts). */
export const IMAP_SAMPLE_LINES: readonly string[] = [
  'a1 CAPABILITY', 'a2 LOGIN 505010000000001 "4817"', 'a3 SELECT "INBOX"', 'a4 UID SEARCH 1:* NOT DELETED',
  'a5 UID FETCH 1:3 (UID BODY.PEEK[HEADER.FIELDS (date subject from content-type to cc message-id content-duration)])',
  'a6 UID FETCH 2 (BODY.PEEK[] BODY[1]<0.10> RFC822.SIZE FLAGS INTERNALDATE ENVELOPE BODYSTRUCTURE)', 'a7 UID STORE 1 +FLAGS.SILENT (\\SEEN)',
  'a8 GETQUOTAROOT "INBOX"', 'a9 XCHANGE_TUI_PWD PWD=1234 OLD_PWD=4817', 'b1 STATUS Saved (MESSAGES UIDNEXT UNSEEN)', 'b2 LIST "" *',
  'b3 APPEND Greetings ($CNS-Greeting-On) {12}', 'b4 SEARCH OR UNSEEN (HEADER From x SINCE 1-Feb-2025)', 'b5 UID MOVE 1,2:* Trash', 'b6 IDLE',
];

/** Tokens that make the parser's life hard, glued at random by the fuzzers. */
export const IMAP_FUZZ_TOKENS: readonly string[] = ['(', ')', '[', ']', '"', '{', '}', '\\', ' ', '*', ':', ',', '1', '4294967296', 'BODY', 'FETCH', 'UID', 'a1', '<', '>', '.', '{10737418240}', 'NOT', 'OR'];
