package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image build files cannot be built here (no container engine), so this checks what can drift without a build:
 * every file they copy from the repository exists, they copy every reactor module's pom (Maven needs all of them),
 * and ports, user and command agree with what the chart runs.
 */
class ContainerfileTest {
  private static final Path AGENT = Chart.repoRoot().resolve("images/agent/Containerfile");
  private static final Path OPERATOR = Chart.repoRoot().resolve("images/operator/Containerfile");
  private static final Pattern COPY = Pattern.compile("(?m)^COPY\\s+(?!--from)(?:--\\S+\\s+)*(.+)$");

  @Test
  void everyCopiedRepositoryPathExists() throws IOException {
    for (Path containerfile : List.of(AGENT, OPERATOR)) {
      List<String> sources = copySources(Files.readString(containerfile));
      assertThat(sources).as(containerfile.toString()).isNotEmpty();
      for (String source : sources) {
        assertThat(Chart.repoRoot().resolve(source)).as("%s copies %s", containerfile, source).exists();
      }
    }
  }

  @Test
  void everyReactorModulePomIsCopiedBeforeTheBuild() throws IOException {
    String rootPom = Files.readString(Chart.repoRoot().resolve("pom.xml"));
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
    List<String> modules = new ArrayList<>();
    while (module.find()) {
      modules.add(module.group(1));
    }
    assertThat(modules).contains("crds", "src", "node-agent");
    for (Path containerfile : List.of(AGENT, OPERATOR)) {
      List<String> sources = copySources(Files.readString(containerfile));
      for (String name : modules) {
        assertThat(sources).as("%s must copy %s/pom.xml", containerfile, name).contains(name + "/pom.xml");
      }
    }
  }

  @Test
  void agentImageCarriesCriuRunscAndTheNucleusCommandTheChartRuns() throws IOException {
    String agent = Files.readString(AGENT);
    assertThat(agent).contains("COPY scripts/install-criu.sh", "criu-4.1.1/sbin/criu /usr/local/sbin/criu",
        "runsc/usr/bin/runsc /usr/local/bin/runsc", "/usr/local/bin/nucleus", "native/nucleus-launcher");
    JsonNode container = Chart.render().get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec/containers/0");
    assertThat(container.path("command").get(0).asText()).isEqualTo("nucleus");
    assertThat(agent).contains("EXPOSE " + container.at("/ports/0/containerPort").asInt());
  }

  @Test
  void operatorImageRunsAsTheUserAndPortTheChartExpects() throws IOException {
    String operator = Files.readString(OPERATOR);
    JsonNode pod = Chart.render().get("Deployment", "nc-nucleus-operator").at("/spec/template/spec");
    assertThat(operator).contains("USER " + pod.at("/securityContext/runAsUser").asInt());
    assertThat(operator).contains("EXPOSE " + pod.at("/containers/0/ports/0/containerPort").asInt());
  }

  /** Repository paths of COPY instructions that read the build context (not another stage). */
  private static List<String> copySources(String containerfile) {
    List<String> sources = new ArrayList<>();
    Matcher copy = COPY.matcher(containerfile);
    while (copy.find()) {
      String[] words = copy.group(1).trim().split("\\s+");
      for (int i = 0; i < words.length - 1; i++) {
        sources.add(words[i].replaceAll("/$", "").replaceFirst("^\\./", ""));
      }
    }
    sources.removeIf(s -> s.isEmpty() || s.equals("."));
    return sources;
  }
}
