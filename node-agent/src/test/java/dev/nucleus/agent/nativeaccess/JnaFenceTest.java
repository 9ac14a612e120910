package dev.nucleus.agent.nativeaccess;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** JNA stays fenced inside one package, behind the Java-typed facade. */
class JnaFenceTest {

  @Test
  void onlyTheJnaProviderPackageTouchesJna() {
    JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.nucleus.agent");
    noClasses().that().resideOutsideOfPackage("dev.nucleus.agent.nativeaccess.jna..")
        .should().dependOnClassesThat().resideInAPackage("com.sun.jna..")
        .because("JNA is fenced into dev.nucleus.agent.nativeaccess.jna (STYLE.md: native layer)")
        .check(classes);
  }
}
