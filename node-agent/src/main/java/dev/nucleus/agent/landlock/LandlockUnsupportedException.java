package dev.nucleus.agent.landlock;

/** The node's Landlock cannot enforce what the sandbox asks; the sandbox must not start. */
public class LandlockUnsupportedException extends RuntimeException {
  public static final String REASON = "LandlockUnsupported";

  private final int neededAbi;
  private final int nodeAbi;

  public LandlockUnsupportedException(String what, int neededAbi, int nodeAbi) {
    super(what + " needs Landlock ABI " + neededAbi + ", but this node has "
        + (nodeAbi < 1 ? "no Landlock" : "ABI " + nodeAbi));
    this.neededAbi = neededAbi;
    this.nodeAbi = nodeAbi;
  }

  public String reason() {
    return REASON;
  }

  public int neededAbi() {
    return neededAbi;
  }

  public int nodeAbi() {
    return nodeAbi;
  }
}
