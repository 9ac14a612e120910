package dev.nucleus.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the agent's layering honest: JNA in one package, the Kubernetes client in one package. */
class ArchitectureTest {
  private static JavaClasses agent;

  @BeforeAll
  static void importAgent() {
    agent = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.nucleus.agent");
  }

  @Test
  void jnaIsFencedIntoTheNativeAccessProvider() {
    noClasses().that().resideOutsideOfPackage("dev.nucleus.agent.nativeaccess.jna..")
        .should().dependOnClassesThat().resideInAPackage("com.sun.jna..")
        .because("JNA stays behind the Java-typed NativeAccess facade (STYLE.md, ADR 0002)")
        .check(agent);
  }

  @Test
  void onlyTheWatchPackageTalksToKubernetes() {
    noClasses().that().resideOutsideOfPackage("dev.nucleus.agent.watch..")
        .should().dependOnClassesThat(kubernetesClientOtherThanCustomResource())
        .because("the isolation core and the CLI must work with no cluster at all")
        .check(agent);
  }

  @Test
  void policyPackagesDoNotReachIntoTheCliOrTheClusterLayer() {
    noClasses().that().resideInAnyPackage(
            "dev.nucleus.agent.seccomp..", "dev.nucleus.agent.landlock..", "dev.nucleus.agent.cgroup..",
            "dev.nucleus.agent.rootfs..", "dev.nucleus.agent.runtime..", "dev.nucleus.agent.state..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.nucleus.agent.cli..", "dev.nucleus.agent.watch..")
        .because("the core is used by both the CLI and the agent, so it depends on neither")
        .check(agent);
  }

  /** CustomResource is the base class of the API types; using the types is fine, using the client is not. */
  private static DescribedPredicate<JavaClass> kubernetesClientOtherThanCustomResource() {
    return DescribedPredicate.describe("are Kubernetes client classes other than CustomResource",
        c -> c.getPackageName().startsWith("io.fabric8.kubernetes.client")
            && !c.getName().equals("io.fabric8.kubernetes.client.CustomResource"));
  }
}
