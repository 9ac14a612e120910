package dev.nucleus.agent.checkpoint;

import java.util.List;

/** A refused or failed checkpoint/restore step, with a stable reason and the CRIU log lines that explain it. */
public final class CheckpointException extends Exception {

    /** Stable CamelCase reasons, surfaced as status reasons and CLI errors. */
    public enum Reason {
        CriuUnavailable,
        CriuFailed,
        CriuTimedOut,
        InvalidRequest,
        NotRunning,
        NonRootTasks,
        GvisorUnsupported,
        OutputNotEmpty,
        MetadataMissing,
        MetadataInvalid,
        SymlinkRefused,
        SpecialFileRefused,
        ManifestMissing,
        ManifestInvalid,
        SignatureMismatch,
        DigestMismatch,
        FileMissing,
        UnexpectedFile,
        KeyInvalid,
        LandlockRestoreRefused,
        LandlockBlocksDump,
        CgroupFailed,
        /** criu resumed restored tasks without the restore gate's release (never expected; fail closed). */
        RestoreUngated,
        IoFailed
    }

    private final Reason reason;
    private final String detail;
    private final List<String> criuLog;

    public CheckpointException(Reason reason, String message) {
        this(reason, message, List.of(), null);
    }

    public CheckpointException(Reason reason, String message, Throwable cause) {
        this(reason, message, List.of(), cause);
    }

    public CheckpointException(Reason reason, String message, List<String> criuLog, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
        this.detail = message;
        this.criuLog = List.copyOf(criuLog);
    }

    /** The same failure with CRIU's log lines attached (a step that ran criu elsewhere could not read them). */
    public CheckpointException withCriuLog(List<String> lines) {
        return new CheckpointException(reason, detail, lines, this);
    }

    public Reason reason() {
        return reason;
    }

    /**
     * The stable reason of the NucleusCheckpoint/NucleusSandbox API for this failure: integrity problems are
     * {@code CheckpointCorrupt}; anything else is {@code CheckpointFailed} or {@code RestoreFailed} by phase.
     */
    public String apiReason(boolean restoring) {
        return switch (reason) {
            case CriuUnavailable -> dev.nucleus.api.v1alpha1.Reasons.CRIU_UNAVAILABLE;
            case NotRunning -> dev.nucleus.api.v1alpha1.Reasons.SANDBOX_NOT_RUNNING;
            case LandlockRestoreRefused -> dev.nucleus.api.v1alpha1.Reasons.LANDLOCK_RESTORE_REFUSED;
            case LandlockBlocksDump -> dev.nucleus.api.v1alpha1.Reasons.LANDLOCK_BLOCKS_DUMP;
            case NonRootTasks -> dev.nucleus.api.v1alpha1.Reasons.NON_ROOT_TASKS;
            case GvisorUnsupported -> dev.nucleus.api.v1alpha1.Reasons.GVISOR_UNSUPPORTED;
            case MetadataMissing, MetadataInvalid, SymlinkRefused, SpecialFileRefused, ManifestMissing,
                    ManifestInvalid, SignatureMismatch, DigestMismatch, FileMissing, UnexpectedFile ->
                    dev.nucleus.api.v1alpha1.Reasons.CHECKPOINT_CORRUPT;
            default -> restoring ? dev.nucleus.api.v1alpha1.Reasons.RESTORE_FAILED
                    : dev.nucleus.api.v1alpha1.Reasons.CHECKPOINT_FAILED;
        };
    }

    /** The tail of CRIU's log (errors first) when CRIU was involved; empty otherwise. */
    public List<String> criuLog() {
        return criuLog;
    }
}
