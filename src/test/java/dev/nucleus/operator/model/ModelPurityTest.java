package dev.nucleus.operator.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The model decides everything, so it must stay testable without a cluster: no client, no framework. */
class ModelPurityTest {

  @Test
  void modelUsesNeitherTheKubernetesClientNorTheOperatorFrameworkNorQuarkus() {
    JavaClasses model = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.nucleus.operator.model");
    noClasses().should().dependOnClassesThat().resideInAnyPackage(
            "io.fabric8.kubernetes.client..", "io.javaoperatorsdk..", "io.quarkus..", "io.quarkiverse..",
            "jakarta..", "io.micrometer..", "dev.nucleus.operator.sandbox..", "dev.nucleus.operator.checkpoint..",
            "dev.nucleus.operator.kube..", "dev.nucleus.operator.events..")
        .because("the model package is pure: reconcilers call it, never the other way round")
        .check(model);
  }
}
