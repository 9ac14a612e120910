package dev.nucleus.agent.runtime;

import java.util.List;
import java.util.Optional;

/** What a runtime's warm pool did: members idle now, made and failed so far, and {wall ns, cpu ns} per member made. */
public record WarmPoolReport(int idle, int made, int failed, Optional<String> lastFailure, List<long[]> costs) {
}
