package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * {@code metadata.json} of a checkpoint: the original nucleus's fields (container_id, container_name, original_pid,
 * command, checkpoint_at, version, using_gvisor, rootless) plus what a restore on any node needs.
 *
 * @param checkpointAt unix seconds, as in the original
 * @param spec the sandbox spec it ran with, verbatim JSON
 * @param landlock whether Landlock rules were enforced (CRIU cannot restore them)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointMetadata(
        String containerId,
        String containerName,
        long originalPid,
        List<String> command,
        long checkpointAt,
        String version,
        boolean usingGvisor,
        boolean rootless,
        boolean landlock,
        String node,
        String criuVersion,
        ResourceLimits resourceLimits,
        List<ExternalMount> externalMounts,
        JsonNode spec) {

    public static final String FILE_NAME = "metadata.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public CheckpointMetadata {
        command = command == null ? List.of() : List.copyOf(command);
        externalMounts = externalMounts == null ? List.of() : List.copyOf(externalMounts);
        resourceLimits = resourceLimits == null ? ResourceLimits.NONE : resourceLimits;
    }

    /** The problems that make this metadata unusable for a restore, empty when it is sound. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (containerId == null || !containerId.matches("[a-z0-9][a-z0-9.-]{0,252}")) {
            problems.add("container_id must be a DNS-1123 name, got " + containerId);
        }
        if (originalPid <= 0) {
            problems.add("original_pid must be positive, got " + originalPid);
        }
        if (checkpointAt <= 0) {
            problems.add("checkpoint_at must be positive unix seconds, got " + checkpointAt);
        }
        if (version == null || version.isBlank()) {
            problems.add("version is missing");
        }
        problems.addAll(resourceLimits.problems());
        return problems;
    }

    /** Writes {@code dir/metadata.json} atomically (temp O_CREAT|O_EXCL|O_NOFOLLOW 0600, fsync, rename). */
    public void save(Path dir) throws CheckpointException {
        CheckpointFiles.write(dir.resolve(FILE_NAME), bytes());
    }

    /** The file's exact bytes, as {@link #save(Path)} writes them. */
    byte[] bytes() throws CheckpointException {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CheckpointException(Reason.MetadataInvalid, "cannot serialize metadata: " + e.getMessage(), e);
        }
    }

    /** Reads {@code dir/metadata.json} with O_NOFOLLOW and validates it. */
    public static CheckpointMetadata load(Path dir) throws CheckpointException {
        byte[] bytes = CheckpointFiles.read(dir.resolve(FILE_NAME), Reason.MetadataMissing);
        CheckpointMetadata metadata;
        try {
            metadata = JSON.readValue(bytes, CheckpointMetadata.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(Reason.MetadataInvalid, "unreadable " + FILE_NAME + ": " + e.getMessage(), e);
        }
        List<String> problems = metadata.problems();
        if (!problems.isEmpty()) {
            throw new CheckpointException(Reason.MetadataInvalid, String.join("; ", problems));
        }
        return metadata;
    }

    /** The status view ({@code NucleusCheckpoint.status.metadata}): RFC 3339 time, quantities for limits. */
    public dev.nucleus.api.v1alpha1.CheckpointMetadata toApi() {
        dev.nucleus.api.v1alpha1.RecordedResources resources = new dev.nucleus.api.v1alpha1.RecordedResources()
                .setMemory(resourceLimits.memoryBytes() == null ? null : Long.toString(resourceLimits.memoryBytes()))
                .setCpu(resourceLimits.cpuMillis() == 0 ? null : resourceLimits.cpuMillis() + "m")
                .setPids(resourceLimits.pidsMax())
                .setIoWeight(resourceLimits.ioWeight());
        return new dev.nucleus.api.v1alpha1.CheckpointMetadata()
                .setContainerId(containerId)
                .setContainerName(containerName)
                .setOriginalPid(originalPid)
                .setCommand(command)
                .setCheckpointAt(java.time.Instant.ofEpochSecond(checkpointAt).toString())
                .setVersion(version)
                .setUsingGvisor(usingGvisor)
                .setRootless(rootless)
                .setResources(resources);
    }

    /** The JSON form, as written to disk. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
