package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

class ChartLintTest {

  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(Chart.dir()).lint().strict().call();

    assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).noneMatch(m -> m.startsWith("[ERROR]") || m.startsWith("[WARNING]"));
  }

  @Test
  void rendersDefaultValues() {
    Chart.Rendered rendered = Chart.render();

    assertThat(rendered.countByKind()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "ClusterRole", 2L, "ClusterRoleBinding", 2L, "Role", 2L, "RoleBinding", 2L,
        "ServiceAccount", 2L, "Deployment", 1L, "DaemonSet", 1L, "Secret", 1L,
        "ValidatingAdmissionPolicy", 1L, "ValidatingAdmissionPolicyBinding", 1L));
  }

  @Test
  void schemaRejectsAnUnknownValue() {
    assertThatThrownBy(() -> Chart.renderText(Chart.values("operator.replica", 2)))
        .hasMessageContaining("replica");
  }

  @Test
  void schemaRejectsAWrongType() {
    assertThatThrownBy(() -> Chart.renderText(Chart.values("operator.replicas", "two")))
        .hasMessageContaining("replicas");
  }

  @Test
  void schemaRejectsARelativeHostPath() {
    assertThatThrownBy(() -> Chart.renderText(Chart.values("agent.hostPaths.state", "var/lib/../nucleus")))
        .hasMessageContaining("state");
  }
}
