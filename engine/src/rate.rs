//! Backpressure: Spark's PID rate estimator. After each batch it turns
//! the batch's size, processing time and scheduling delay into the rate
//! (records/s) the feed should send at, so processing keeps up with the
//! batch interval and a backlog drains. The page sends it to the feed as
//! `{"rate": N}`.

/// Spark's `PIDRateEstimator`, with its defaults available as `new`.
#[derive(Clone, Debug)]
pub struct PidRateEstimator {
    batch_ms: f64,
    proportional: f64,
    integral: f64,
    derivative: f64,
    min_rate: f64,
    first_run: bool,
    latest_time: f64,
    latest_rate: f64,
    latest_error: f64,
}

impl PidRateEstimator {
    /// Spark's defaults: proportional 1, integral 0.2, derivative 0, and a
    /// floor of 100 records/s.
    pub fn new(batch_ms: u64) -> PidRateEstimator {
        PidRateEstimator::with_gains(batch_ms, 1.0, 0.2, 0.0, 100.0)
    }

    pub fn with_gains(
        batch_ms: u64,
        proportional: f64,
        integral: f64,
        derivative: f64,
        min_rate: f64,
    ) -> PidRateEstimator {
        PidRateEstimator {
            batch_ms: batch_ms.max(1) as f64,
            proportional: proportional.max(0.0),
            integral: integral.max(0.0),
            derivative: derivative.max(0.0),
            min_rate: min_rate.max(f64::MIN_POSITIVE),
            first_run: true,
            latest_time: -1.0,
            latest_rate: -1.0,
            latest_error: -1.0,
        }
    }

    /// A batch completed at `time_ms` with `records`, processed in
    /// `processing_ms`, started `scheduling_delay_ms` late. Returns the new
    /// rate, or `None` (the first batch, an empty one, no time elapsed).
    pub fn compute(
        &mut self,
        time_ms: f64,
        records: u64,
        processing_ms: f64,
        scheduling_delay_ms: f64,
    ) -> Option<f64> {
        if !(time_ms > self.latest_time && records > 0 && processing_ms > 0.0) {
            return None;
        }
        let since_update_s = (time_ms - self.latest_time) / 1000.0;
        let processing_rate = records as f64 / processing_ms * 1000.0;
        let error = self.latest_rate - processing_rate;
        // The backlog, as records, over the batch interval.
        let historical_error = scheduling_delay_ms * processing_rate / self.batch_ms;
        let d_error = (error - self.latest_error) / since_update_s;
        let new_rate = (self.latest_rate
            - self.proportional * error
            - self.integral * historical_error
            - self.derivative * d_error)
            .max(self.min_rate);
        self.latest_time = time_ms;
        if self.first_run {
            self.latest_rate = processing_rate;
            self.latest_error = 0.0;
            self.first_run = false;
            None
        } else {
            self.latest_rate = new_rate;
            self.latest_error = error;
            Some(new_rate)
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // Spark's PIDRateEstimatorSuite, case by case.
    fn default() -> PidRateEstimator {
        PidRateEstimator::with_gains(20, 1.0, 0.0, 0.0, 10.0)
    }

    #[test]
    fn first_estimate_is_none_and_the_second_is_the_processing_rate() {
        let mut p = default();
        assert_eq!(p.compute(0.0, 10, 10.0, 0.0), None);
        assert_eq!(p.compute(10.0, 10, 10.0, 0.0), Some(1000.0));
        assert_eq!(p.compute(10.0, 10, 10.0, 0.0), None, "no time difference");
    }

    #[test]
    fn no_estimate_without_records_or_processing_time() {
        let mut p = default();
        p.compute(0.0, 10, 10.0, 0.0);
        assert_eq!(p.compute(10.0, 0, 10.0, 0.0), None);
        assert_eq!(p.compute(20.0, 10, 0.0, 0.0), None);
    }

    #[test]
    fn never_below_the_min_rate() {
        let mut p = PidRateEstimator::with_gains(20, 1.0, 1.0, 0.0, 5.0);
        let res: Vec<_> = (0..50)
            .map(|i| p.compute(i as f64 * 20.0, 1, 20.0, 100.0))
            .collect();
        assert_eq!(res[0], None);
        assert!(res[1..].iter().all(|r| *r == Some(5.0)));
    }

    #[test]
    fn without_a_backlog_it_follows_the_processing_speed() {
        let mut p = PidRateEstimator::with_gains(20, 1.0, 1.0, 0.0, 10.0);
        let res: Vec<_> = (0..50)
            .map(|i| p.compute(i as f64 * 20.0, (i + 1) * 20, 20.0, 0.0))
            .collect();
        assert_eq!(res[0], None);
        for (i, r) in res.iter().enumerate().skip(1) {
            assert_eq!(*r, Some((i as f64 + 1.0) * 1000.0));
        }
    }

    #[test]
    fn with_a_backlog_it_asks_for_less_than_the_processing_speed() {
        let mut p = PidRateEstimator::with_gains(20, 1.0, 0.01, 0.0, 10.0);
        let mut seed = 7u64;
        let mut rand = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 33) % n
        };
        for i in 0..50u64 {
            let (records, sched) = (rand(1000), rand(19) as f64);
            let speed = records as f64 / 20.0 * 1000.0;
            let r = p.compute(i as f64 * 20.0, records, 20.0, sched);
            if i > 0 && records > 0 {
                let r = r.expect("an estimate");
                if r > 0.0 && sched > 0.0 {
                    assert!(r < speed, "{r} < {speed}");
                }
            }
        }
    }
}
