package dev.nucleus.operator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The watch starts at the operator's start and moves forward only while the API server does not answer in time. */
class LeaseWatchTest {
  private static final Instant START = Instant.parse("2026-11-30T10:00:00Z");
  private final AtomicReference<Instant> now = new AtomicReference<>(START);
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };

  @Test
  void movesWhileTheApiServerDoesNotAnswerAndStaysOnceItDoes() {
    AtomicReference<RuntimeException> apiServer = new AtomicReference<>();
    LeaseWatch watch = new LeaseWatch(() -> {
      if (apiServer.get() != null) {
        throw apiServer.get();
      }
    }, clock);
    assertThat(watch.since()).as("nothing before the operator's start was seen").isEqualTo(START);

    now.set(START.plusSeconds(60));
    watch.sample();
    assertThat(watch.since()).as("answered all along").isEqualTo(START);

    apiServer.set(new IllegalStateException("connection closed"));  // the API server went away
    now.set(START.plusSeconds(100));
    watch.sample();
    now.set(START.plusSeconds(400));
    watch.sample();
    assertThat(watch.since()).isEqualTo(START.plusSeconds(400));

    apiServer.set(null);  // it answers again
    now.set(START.plusSeconds(401));
    watch.sample();
    assertThat(watch.since()).as("the last moment it could not see").isEqualTo(START.plusSeconds(400));
  }

  @Test
  void aProbeWaitingForItsAnswerMakesNothingObservableAndALateAnswerCountsFromWhenItCame() {
    AtomicReference<Instant> seenWhileWaiting = new AtomicReference<>();
    LeaseWatch[] watch = new LeaseWatch[1];
    watch[0] = new LeaseWatch(() -> {
      now.set(now.get().plusSeconds(10));  // a pass decides while the probe is still waiting (fabric8 retries it)
      seenWhileWaiting.set(watch[0].since());
      now.set(now.get().plusSeconds(20));  // the answer comes 30 s after the question, once the API server is back
    }, clock);
    now.set(START.plusSeconds(420));
    watch[0].sample();
    assertThat(seenWhileWaiting.get()).isEqualTo(START.plusSeconds(430));
    assertThat(watch[0].since()).isEqualTo(START.plusSeconds(450));

    LeaseWatch prompt = new LeaseWatch(() -> now.set(now.get().plusMillis(LeaseWatch.LATE.toMillis())), clock);
    prompt.sample();
    assertThat(prompt.since()).as("an answer within LATE is an answer").isEqualTo(START.plusSeconds(450));
  }
}
