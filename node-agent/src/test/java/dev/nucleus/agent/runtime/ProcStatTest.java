package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The /proc/PID/stat parser a warm-pool take relies on: state and start time, whatever the process's name. */
class ProcStatTest {

    static LinuxKernel.ProcStat parse(String line) {
        byte[] b = line.getBytes(StandardCharsets.US_ASCII);
        return LinuxKernel.ProcStat.parse(b, b.length);
    }

    static String line(String comm, String state, long start) {
        StringBuilder s = new StringBuilder("4242 (" + comm + ") " + state);
        for (int field = 4; field <= 52; field++) {
            s.append(' ').append(field == 22 ? start : field * 11);
        }
        return s.append('\n').toString();
    }

    @Test
    void stateAndStartTimeAreCountedFromTheLastParenthesis() {
        assertThat(parse(line("nucleus-init", "S", 5826137))).isEqualTo(new LinuxKernel.ProcStat("S", 5826137));
        assertThat(parse(line("a) Z 1 2 (b", "S", 77))).isEqualTo(new LinuxKernel.ProcStat("S", 77));
        assertThat(parse(line("sp ace", "Z", 9))).isEqualTo(new LinuxKernel.ProcStat("Z", 9));
        String own = line("x", "R", 123);
        assertThat(parse(own.substring(0, own.length() - 1))).as("no newline").isEqualTo(new LinuxKernel.ProcStat("R", 123));
    }

    @Test
    void aLineThatIsNotOneGivesNothing() {
        assertThat(parse("")).isNull();
        assertThat(parse("4242 (cut")).isNull();
        assertThat(parse("4242 (x) S 1 2 3\n")).isNull();  // ends before field 22
    }

    @Test
    void thisProcessIsReadFromProc() throws Exception {
        LinuxKernel.ProcStat self = LinuxKernel.ProcStat.read(ProcessHandle.current().pid());
        assertThat(self).isNotNull();
        assertThat(self.state()).isIn("R", "S");
        assertThat(self.startTime()).isPositive();
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
        assertThat(self.startTime()).isEqualTo(Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[22 - 3]));
        assertThat(LinuxKernel.ProcStat.read(Long.MAX_VALUE)).isNull();
    }
}
