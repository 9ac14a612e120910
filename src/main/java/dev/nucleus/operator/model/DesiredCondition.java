package dev.nucleus.operator.model;

/** A condition as an aggregator wants it, before timestamps and generation are attached. */
public record DesiredCondition(String type, String status, String reason, String message) {}
