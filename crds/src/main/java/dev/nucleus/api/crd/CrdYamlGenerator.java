package dev.nucleus.api.crd;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the CRD YAML of every Nucleus kind from the Java types: the build runs {@link #main} at
 * process-classes and {@code CrdUpToDateTest} calls {@link #generate()} to compare with the committed copies.
 *
 * <p>It wraps fabric8's CRDGenerator for one reason: that generator sorts printer columns by JSON path, and
 * {@code kubectl get} shows them in array order, so we restore the order in which the kind declares them.
 */
public final class CrdYamlGenerator {
  /** The kinds whose CRDs we ship. */
  public static final List<Class<? extends CustomResource<?, ?>>> KINDS =
      List.of(NucleusSandbox.class, NucleusCheckpoint.class);

  static final String HEADER = "# Generated from the Java types in crds/src/main/java; do not edit.\n"
      + "# Regenerate both committed copies with: mvn -B -pl crds -am process-classes -Pupdate-crds\n";

  private CrdYamlGenerator() {}

  /** Writes {@code <crd name>.yaml} for every kind into the directory given as the only argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: CrdYamlGenerator <output directory>");
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    for (Map.Entry<String, String> crd : generate().entrySet()) {
      Files.writeString(dir.resolve(crd.getKey()), crd.getValue(), StandardCharsets.UTF_8);
    }
  }

  /** Returns file name ({@code nucleussandboxes.nucleus.dev.yaml}) to YAML text, in a stable order. */
  public static Map<String, String> generate() {
    Map<String, ByteArrayOutputStream> outputs = new LinkedHashMap<>();
    CRDGenerator generator = new CRDGenerator()
        .forCRDVersions("v1")
        .withParallelGenerationEnabled(false)
        .withPostProcessor(new DeclaredColumnOrder())
        .withOutput(new CRDGenerator.CRDOutput<OutputStream>() {
          @Override
          public OutputStream outputFor(String crdName) {
            return outputs.computeIfAbsent(crdName, n -> new ByteArrayOutputStream());
          }

          @Override
          public void close() {}
        });
    generator.customResourceClasses(new ArrayList<>(KINDS)).generate();
    Map<String, String> files = new LinkedHashMap<>();
    outputs.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> files.put(
        fileName(e.getKey()), HEADER + stripGeneratorHeader(e.getValue().toString(StandardCharsets.UTF_8))));
    return files;
  }

  /** The generator names outputs {@code <crd name>-v1}; we commit them as {@code <crd name>.yaml}. */
  static String fileName(String outputName) {
    String base = outputName.endsWith("-v1") ? outputName.substring(0, outputName.length() - 3) : outputName;
    return base + ".yaml";
  }

  private static String stripGeneratorHeader(String yaml) {
    return yaml.startsWith("#") ? yaml.substring(yaml.indexOf('\n') + 1) : yaml;
  }

  /** Puts each version's printer columns back in the order the kind's annotations declare them. */
  static final class DeclaredColumnOrder implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
      if (!(crd instanceof CustomResourceDefinition definition)) {
        return crd;
      }
      String kind = definition.getSpec().getNames().getKind();
      List<String> declared = KINDS.stream()
          .filter(k -> k.getSimpleName().equals(kind))
          .flatMap(k -> Arrays.stream(k.getAnnotationsByType(AdditionalPrinterColumn.class)))
          .map(AdditionalPrinterColumn::name)
          .toList();
      for (CustomResourceDefinitionVersion version : definition.getSpec().getVersions()) {
        List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
        columns.sort(Comparator.comparingInt(c -> rank(declared, c.getName())));
        version.setAdditionalPrinterColumns(columns);
      }
      return definition;
    }

    private static int rank(List<String> declared, String name) {
      int index = declared.indexOf(name);
      return index < 0 ? Integer.MAX_VALUE : index;
    }
  }
}
