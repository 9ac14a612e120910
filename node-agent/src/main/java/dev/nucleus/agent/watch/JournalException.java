package dev.nucleus.agent.watch;

/** A journal file the agent refused to trust, with the UID it claims to describe and why it was refused. */
public final class JournalException extends Exception {
  private final String uid;

  public JournalException(String uid, String message) {
    super(message);
    this.uid = uid;
  }

  /** The UID taken from the file's name (the file's content is not trusted). */
  public String uid() {
    return uid;
  }
}
