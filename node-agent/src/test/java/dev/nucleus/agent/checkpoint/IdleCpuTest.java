package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The spare-core verdict needs a whole window of evidence; with none yet there is no spare core. */
class IdleCpuTest {

    @Test
    void noVerdictBeforeAWindowPassedAndNoCoreIsEverSpareBeyondTheMachine() throws Exception {
        IdleCpu cpu = new IdleCpu(0.5);
        assertThat(cpu.spare()).isFalse();  // no window yet
        IdleCpu impossible = new IdleCpu(Runtime.getRuntime().availableProcessors() + 2);
        Thread.sleep(120);
        assertThat(impossible.spare()).isFalse();  // idle + own time cannot exceed the machine's cores
        IdleCpu anything = new IdleCpu(0);
        Thread.sleep(120);
        assertThat(anything.spare()).isTrue();  // zero spare cores needed: any measured window says yes
    }
}
