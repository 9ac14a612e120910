package dev.nucleus.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiServerMessagesTest {

    @Test
    void celMessagesOnScalarsKeepTheRefusedValue() {
        String cel = "spec.runtime: Invalid value: \"GVisor\": runtime GVisor is reserved and not implemented yet: use Native";
        assertThat(ApiServerMessages.expected(cel)).isEqualTo(cel);
    }

    @Test
    void celMessagesOnObjectsAndArraysDropTheTypeAsTheServerDoes() {
        assertThat(ApiServerMessages.expected("spec.rootfs: Invalid value: \"object\": rootfs.writable applies only to rootfs.path"))
                .isEqualTo("spec.rootfs: Invalid value: rootfs.writable applies only to rootfs.path");
        assertThat(ApiServerMessages.expected("spec.env: Invalid value: \"array\": env names must be unique"))
                .isEqualTo("spec.env: Invalid value: env names must be unique");
    }

    @Test
    void schemaMessagesAreTranslatedKeepingThePath() {
        assertThat(ApiServerMessages.expected("$.spec.env[0].name: does not match the regex pattern ^[A-Z]+$"))
                .isEqualTo("spec.env[0].name in body should match");
        assertThat(ApiServerMessages.expected("$.spec.backoffLimit: must have a maximum value of 10"))
                .isEqualTo("spec.backoffLimit in body should be less than or equal to 10");
        assertThat(ApiServerMessages.expected("$.spec.security.runAsUser: must have a minimum value of 0"))
                .isEqualTo("spec.security.runAsUser in body should be greater than or equal to 0");
        assertThat(ApiServerMessages.expected("$.spec.command: must have at least 1 items but found 0"))
                .isEqualTo("spec.command in body should have at least 1 items");
        assertThat(ApiServerMessages.expected("$.spec.runtime: does not have a value in the enumeration [Native]"))
                .isEqualTo("spec.runtime: Unsupported value:");
        assertThat(ApiServerMessages.expected("$.spec.resources.pids: string found, integer expected"))
                .isEqualTo("spec.resources.pids in body must be of type integer");
    }

    @Test
    void requiredAndUnknownPropertiesNameTheChildPath() {
        assertThat(ApiServerMessages.expected("$: required property 'spec' not found")).isEqualTo("spec: Required value");
        assertThat(ApiServerMessages.expected("$.spec.restoreFrom.checkpointRef: required property 'name' not found"))
                .isEqualTo("spec.restoreFrom.checkpointRef.name: Required value");
        assertThat(ApiServerMessages.expected("$.spec: property 'resouces' is not defined in the schema"))
                .isEqualTo("unknown field \"spec.resouces\"");
    }

    @Test
    void anUnknownSchemaMessageIsRefusedRatherThanPassedThrough() {
        assertThatThrownBy(() -> ApiServerMessages.expected("$.spec.x: must be a multiple of 3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no API server wording");
    }
}
