//! Per-client-address rate limit for the sign-in endpoints: a token bucket per address,
//! refilled continuously. Addresses are the TCP peer; behind a proxy all users share one
//! bucket, so set the limit for that (a trusted X-Forwarded-For list is future work).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn per_minute(limit: u32) -> Self {
        RateLimiter {
            per_minute: f64::from(limit.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok(())` when `addr` may make a request now, else `Err(seconds to wait)`.
    pub fn check(&self, addr: IpAddr) -> Result<(), u64> {
        self.check_at(addr, Instant::now())
    }

    fn check_at(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let capacity = self.per_minute;
        let per_second = capacity / 60.0;
        // Forget idle addresses so the map cannot grow without bound.
        if buckets.len() > 10_000 {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 60);
        }
        let (tokens, at) = buckets.entry(addr).or_insert((capacity, now));
        let refilled = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(((1.0 - refilled) / per_second).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn allows_the_limit_then_refuses_then_refills() {
        let limiter = RateLimiter::per_minute(3);
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(a, t0).is_ok());
        }
        let wait = limiter.check_at(a, t0).expect_err("fourth is refused");
        assert_eq!(wait, 20);
        assert!(
            limiter.check_at(b, t0).is_ok(),
            "other addresses are separate"
        );
        assert!(
            limiter.check_at(a, t0 + Duration::from_secs(21)).is_ok(),
            "refilled"
        );
    }
}
