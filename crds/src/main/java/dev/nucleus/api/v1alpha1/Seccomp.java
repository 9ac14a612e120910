package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** The seccomp filter of a sandbox. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Seccomp {
  @JsonPropertyDescription(
      "Base filter: Default (allowlist with argument filters), Strict (narrower) or Unconfined " +
      "(no filter, reported in status).")
  @Default("Default")
  private SeccompProfile profile;

  @JsonPropertyDescription(
      "Extra system calls to allow on top of the profile, by name (e.g. ptrace). Unknown names " +
      "are rejected by the node agent.")
  @Size(max = 64)
  private List<@Pattern(ApiPatterns.SYSCALL_NAME) String> allowSyscalls;

  public SeccompProfile getProfile() {
    return profile;
  }

  public Seccomp setProfile(SeccompProfile profile) {
    this.profile = profile;
    return this;
  }

  public List<String> getAllowSyscalls() {
    return allowSyscalls;
  }

  public Seccomp setAllowSyscalls(List<String> allowSyscalls) {
    this.allowSyscalls = allowSyscalls;
    return this;
  }
}
