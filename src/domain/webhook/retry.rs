//! When a failed delivery is tried again: exponential backoff from 30
//! seconds, capped at 6 hours between tries, each wait drawn between half
//! and all of its step (jitter, so that a receiver coming back up is not
//! met by every delivery at once), for up to 3 days after the first try.

use time::{Duration, OffsetDateTime};

const FIRST: Duration = Duration::seconds(30);
const LONGEST: Duration = Duration::hours(6);
/// How long a delivery is retried, and an endpoint may fail before it is
/// disabled.
pub const GIVE_UP_AFTER: Duration = Duration::days(3);

/// The step before try `failed + 1`, before jitter: 30 s, 1 min, 2 min...
pub fn step(failed: u32) -> Duration {
    let doublings = failed.saturating_sub(1).min(20);
    (FIRST * 2i32.pow(doublings)).min(LONGEST)
}

/// When to try again after `failed` tries that failed, the first at
/// `first_try`; `jitter` is uniform in [0, 1). None once that would be past
/// [`GIVE_UP_AFTER`]: the delivery has failed for good.
pub fn next_try(first_try: OffsetDateTime, failed: u32, now: OffsetDateTime, jitter: f64) -> Option<OffsetDateTime> {
    let step = step(failed);
    let wait = step / 2 + (step / 2) * jitter.clamp(0.0, 1.0);
    let at = now + wait;
    (at <= first_try + GIVE_UP_AFTER).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_double_up_to_six_hours() {
        let steps: Vec<i64> = (1..=12).map(|n| step(n).whole_seconds()).collect();
        assert_eq!(steps, [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]);
        assert_eq!(step(1000), LONGEST);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_step() {
        let t0 = time::macros::datetime!(2026-12-03 12:00 UTC);
        assert_eq!(next_try(t0, 3, t0, 0.0), Some(t0 + Duration::seconds(60)));
        assert_eq!(next_try(t0, 3, t0, 0.5), Some(t0 + Duration::seconds(90)));
        assert!(next_try(t0, 3, t0, 0.999).unwrap() < t0 + Duration::seconds(120));
        assert_eq!(next_try(t0, 3, t0, 7.0), Some(t0 + Duration::seconds(120)), "clamped");
    }

    #[test]
    fn a_delivery_is_retried_for_three_days_and_then_given_up() {
        let t0 = time::macros::datetime!(2026-12-03 12:00 UTC);
        let (mut now, mut failed, mut tries) = (t0, 1, 1);
        while let Some(at) = next_try(t0, failed, now, 0.5) {
            assert!(at > now && at <= t0 + GIVE_UP_AFTER);
            (now, failed, tries) = (at, failed + 1, tries + 1);
        }
        assert!(now > t0 + Duration::days(2), "tried into the third day: {now}");
        assert!((15..=25).contains(&tries), "{tries} tries");
    }
}
