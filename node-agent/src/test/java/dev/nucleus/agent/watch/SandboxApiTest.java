package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading a status patch's answer without binding it: only metadata.resourceVersion, wherever the fields fall. */
class SandboxApiTest {
  static String rv(String json) {
    return SandboxApi.resourceVersion(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheResourceVersionOfTheObjectsMetadata() {
    assertThat(rv("""
        {"apiVersion":"nucleus.dev/v1alpha1","kind":"NucleusSandbox","metadata":{"name":"a","namespace":"n",
         "uid":"u","resourceVersion":"4711","managedFields":[{"manager":"m","fieldsV1":{"f:status":{}}}]},
         "spec":{"command":["/bin/sleep"]},"status":{"phase":"Running"}}""")).isEqualTo("4711");
  }

  @Test
  void skipsNestedObjectsAndFieldsOfTheSameNameOutsideMetadata() {
    assertThat(rv("""
        {"spec":{"metadata":{"resourceVersion":"1"},"resourceVersion":"2"},"resourceVersion":"3",
         "status":{"conditions":[{"type":"Ready","resourceVersion":"4"}]},
         "metadata":{"managedFields":[{"resourceVersion":"5"}],"labels":{"resourceVersion":"6"},
         "resourceVersion":"77"}}""")).isEqualTo("77");
  }

  @Test
  void noResourceVersionOrNoObjectIsNull() {
    assertThat(rv("{\"metadata\":{\"name\":\"a\"},\"status\":{}}")).isNull();
    assertThat(rv("{\"metadata\":{\"resourceVersion\":12}}")).isNull();
    assertThat(rv("{\"metadata\":\"x\",\"spec\":{\"metadata\":{\"resourceVersion\":\"1\"}}}")).isNull();
    assertThat(rv("[]")).isNull();
    assertThat(rv("")).isNull();
    assertThat(rv("{\"metadata\":{\"resourceVersion\":")).isNull();
  }
}
