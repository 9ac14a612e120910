package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.testing.CrdCatalog;
import dev.nucleus.api.testing.Manifests;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The immutability (transition) and exclusion rules, evaluated with cel-java from the rule strings of the
 * generated CRDs: updates the API server must refuse are refused, and the ones it must allow are allowed.
 */
class CelRulesTest {
  private static final CrdCatalog CATALOG = CrdCatalog.generated();
  private static final Path EXAMPLES = Path.of(System.getProperty("nucleus.examples", "unset"));

  private static ObjectNode example(String file) {
    return (ObjectNode) Manifests.read(EXAMPLES.resolve(file)).get(0);
  }

  @Test
  void restoreFromCannotBeChanged() {
    ObjectNode old = example("restore-sandbox.yaml");
    ObjectNode changed = old.deepCopy();
    changed.withObjectProperty("spec").withObjectProperty("restoreFrom").withObjectProperty("checkpointRef").put("name", "another-checkpoint");

    assertThat(CATALOG.validateUpdate(old, changed))
        .containsExactly("spec: Invalid value: spec.restoreFrom is immutable");
  }

  @Test
  void restoreFromCannotBeAddedToOrRemovedFromAnExistingSandbox() {
    ObjectNode fresh = example("counter-sandbox.yaml");
    ObjectNode restoring = example("restore-sandbox.yaml");
    restoring.set("metadata", fresh.get("metadata"));
    ObjectNode turnedIntoRestore = restoring.deepCopy();
    ObjectNode restoreDropped = restoring.deepCopy();
    restoreDropped.withObjectProperty("spec").remove("restoreFrom");
    restoreDropped.withObjectProperty("spec").set("command", fresh.at("/spec/command"));

    assertThat(CATALOG.validateUpdate(fresh, turnedIntoRestore)).contains(
        "spec: Invalid value: spec.restoreFrom is immutable");
    assertThat(CATALOG.validateUpdate(restoring, restoreDropped)).contains(
        "spec: Invalid value: spec.restoreFrom is immutable");
  }

  @Test
  void otherSandboxFieldsMayChangeAroundAnUnchangedRestoreFrom() {
    ObjectNode old = example("restore-sandbox.yaml");
    ObjectNode changed = old.deepCopy();
    changed.withObjectProperty("spec").withObjectProperty("nodeSelector").put("disk", "ssd");

    assertThat(CATALOG.validateUpdate(old, changed)).isEmpty();
  }

  @Test
  void aSandboxWithoutRestoreFromMayBeUpdated() {
    ObjectNode old = example("limited-sandbox.yaml");
    ObjectNode changed = old.deepCopy();
    changed.withObjectProperty("spec").withObjectProperty("lifecycle").put("ttlSecondsAfterFinished", 60);

    assertThat(CATALOG.validateUpdate(old, changed)).isEmpty();
  }

  @Test
  void checkpointSpecIsImmutable() {
    ObjectNode old = example("checkpoint.yaml");
    ObjectNode leaveRunning = old.deepCopy();
    leaveRunning.withObjectProperty("spec").put("leaveRunning", true);
    ObjectNode otherSandbox = old.deepCopy();
    otherSandbox.withObjectProperty("spec").withObjectProperty("sandboxRef").put("name", "hello");

    String immutable = "spec: Invalid value: spec is immutable: create a new NucleusCheckpoint instead";
    assertThat(CATALOG.validateUpdate(old, leaveRunning)).containsExactly(immutable);
    assertThat(CATALOG.validateUpdate(old, otherSandbox)).containsExactly(immutable);
  }

  @Test
  void checkpointSpecWrittenAgainWithItsDefaultsSpelledOutIsNoChange() {
    ObjectNode old = example("checkpoint.yaml");
    old.withObjectProperty("spec").remove("backoffLimit");
    old.withObjectProperty("spec").remove("leaveRunning");
    ObjectNode explicit = old.deepCopy();
    explicit.withObjectProperty("spec").put("backoffLimit", 3).put("leaveRunning", false);

    assertThat(CATALOG.validateUpdate(old, explicit)).isEmpty();
  }

  @Test
  void checkpointMetadataAndStatusMayChange() {
    ObjectNode old = example("checkpoint.yaml");
    ObjectNode changed = old.deepCopy();
    changed.withObjectProperty("metadata").withObjectProperty("labels").put("nucleus.dev/phase", "Completed");
    changed.withObjectProperty("status").put("phase", "Completed").put("sizeBytes", 1234);

    assertThat(CATALOG.validateUpdate(old, changed)).isEmpty();
  }

  @Test
  void rootfsAcceptsExactlyOneSource() {
    ObjectNode path = example("hello-sandbox.yaml");
    path.withObjectProperty("spec").set("rootfs", Manifests.YAML.createObjectNode().put("path", "/srv/rootfs").put("writable", true));
    ObjectNode hostFalseWithPath = path.deepCopy();
    hostFalseWithPath.withObjectProperty("spec").withObjectProperty("rootfs").put("host", false);
    ObjectNode both = path.deepCopy();
    both.withObjectProperty("spec").withObjectProperty("rootfs").put("host", true);

    assertThat(CATALOG.validateCreate(path)).isEmpty();
    assertThat(CATALOG.validateCreate(hostFalseWithPath)).isEmpty();
    assertThat(CATALOG.validateCreate(both))
        .containsExactly("spec.rootfs: Invalid value: set exactly one of rootfs.host: true or rootfs.path");
  }

  @Test
  void volumeAcceptsExactlyOneSource() {
    ObjectNode sandbox = example("limited-sandbox.yaml");
    ObjectNode volume = (ObjectNode) sandbox.at("/spec/volumes/0");
    volume.withObjectProperty("hostPath").put("path", "/srv/data");

    assertThat(CATALOG.validateCreate(sandbox)).containsExactly(
        "spec.volumes[0]: Invalid value: a volume needs exactly one of hostPath or tmpfs");
    volume.remove("tmpfs");
    assertThat(CATALOG.validateCreate(sandbox)).isEmpty();
  }

  @Test
  void reservedRuntimeAndNetworkAreRejectedButTheImplementedOnesPass() {
    ObjectNode sandbox = example("hello-sandbox.yaml");
    sandbox.withObjectProperty("spec").put("runtime", "Native").withObjectProperty("network").put("mode", "Host");
    assertThat(CATALOG.validateCreate(sandbox)).isEmpty();

    sandbox.withObjectProperty("spec").put("runtime", "GVisor").withObjectProperty("network").put("mode", "Bridge");
    assertThat(CATALOG.validateCreate(sandbox)).containsExactlyInAnyOrder(
        "spec.runtime: Invalid value: \"GVisor\": runtime GVisor is reserved and not implemented yet: use Native",
        "spec.network: Invalid value: network.mode Bridge is reserved and not implemented yet: use None"
            + " or Host");
  }

  @Test
  void defaultsAreAppliedBeforeTheRulesRun() {
    JsonNode sandbox = CATALOG.validator("NucleusSandbox").withDefaults(example("hello-sandbox.yaml"));
    JsonNode checkpoint = CATALOG.validator("NucleusCheckpoint").withDefaults(example("checkpoint.yaml"));

    assertThat(sandbox.at("/spec/runtime").asText()).isEqualTo("Native");
    assertThat(checkpoint.at("/spec/backoffLimit").asInt()).isEqualTo(3);
    assertThat(checkpoint.at("/spec/leaveRunning").asBoolean(true)).isFalse();
  }
}
