package dev.nucleus.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Map;

/**
 * An aggregator's verdict: the status as it should read, the JSON merge patch that gets it there touching only
 * operator-owned fields, and the condition transitions that deserve an event.
 *
 * @param <S> the status type
 */
public record StatusUpdate<S>(S status, Map<String, Object> mergePatch, boolean changed, List<Condition> transitions) {}
