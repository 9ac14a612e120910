package dev.nucleus.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the operator's model package pure: business rules testable without Kubernetes or Quarkus. */
class ArchitectureTest {
  private static JavaClasses operator;

  @BeforeAll
  static void importOperator() {
    operator = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.nucleus.operator");
  }

  @Test
  void modelIsPure() {
    classes().that().resideInAPackage("dev.nucleus.operator.model..")
        .should().onlyDependOnClassesThat().resideInAnyPackage(
            "java..", "dev.nucleus.operator.model..", "dev.nucleus.api..",
            // plain data classes of the Kubernetes model (Lease, Condition, ObjectMeta, Quantity), not the client
            "io.fabric8.kubernetes.api.model..",
            // JSON (de)serialisation of those data classes: a pure library, no I/O
            "com.fasterxml.jackson..")
        .because("placement, validation and status rules are plain code with plain unit tests (STYLE.md)")
        .check(operator);
  }
}
