//! Range-checked parsers of numeric option values: every number given on the command line is
//! finite and in a documented range before any work starts, else clap reports one line
//! naming the flag (exit 2). The ranges are wide: they exist to keep NaN, infinities, zero
//! divisors and allocation bombs out, not to second-guess a user's settings.

use netlists::limits::MAX_LENGTH;

fn number(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("expected a finite number, found `{s}`")),
    }
}

fn whole(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| format!("expected a whole number, found `{s}`"))
}

/// Longest time budget accepted (seconds): 116 days.
pub const MAX_SECONDS: f64 = 1e7;

/// A time budget in seconds: `0 < t ≤ `[`MAX_SECONDS`].
pub fn seconds(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 && v <= MAX_SECONDS {
        Ok(v)
    } else {
        Err(format!(
            "expected a positive number of seconds up to {MAX_SECONDS:e}, found {v}"
        ))
    }
}

/// A length or scale: `0 < v ≤ `[`MAX_LENGTH`].
pub fn positive(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 && v <= MAX_LENGTH {
        Ok(v)
    } else {
        Err(format!(
            "expected a positive number up to {MAX_LENGTH:e}, found {v}"
        ))
    }
}

/// A coefficient: `0 ≤ v ≤ `[`MAX_LENGTH`].
pub fn non_negative(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if (0.0..=MAX_LENGTH).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "expected a non-negative number up to {MAX_LENGTH:e}, found {v}"
        ))
    }
}

/// A fraction in `(0, 1]` (densities, utilization, learning rates).
pub fn fraction(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 && v <= 1.0 {
        Ok(v)
    } else {
        Err(format!("expected a number in (0, 1], found {v}"))
    }
}

/// A probability in `[0, 1]`.
pub fn probability(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("expected a number in [0, 1], found {v}"))
    }
}

/// A count in `1..=MAX`.
pub fn count<const MAX: usize>(s: &str) -> Result<usize, String> {
    let v = whole(s)?;
    if v >= 1 && v <= MAX as u64 {
        Ok(v as usize)
    } else {
        Err(format!(
            "expected a whole number from 1 to {MAX}, found {v}"
        ))
    }
}

/// A count in `0..=MAX`.
pub fn count0<const MAX: usize>(s: &str) -> Result<usize, String> {
    let v = whole(s)?;
    if v <= MAX as u64 {
        Ok(v as usize)
    } else {
        Err(format!(
            "expected a whole number from 0 to {MAX}, found {v}"
        ))
    }
}

/// A positive step count or interval (`u64`, `1..`).
pub fn steps(s: &str) -> Result<u64, String> {
    let v = whole(s)?;
    if v >= 1 {
        Ok(v)
    } else {
        Err("expected a whole number of at least 1, found 0".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_take_sane_values_and_name_the_rest() {
        assert_eq!(seconds("60"), Ok(60.0));
        for bad in ["0", "-1", "nan", "inf", "1e30", "x", ""] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(fraction("0.9"), Ok(0.9));
        assert!(fraction("0").is_err() && fraction("1.5").is_err() && fraction("nan").is_err());
        assert_eq!(probability("0"), Ok(0.0));
        assert!(probability("-0.1").is_err());
        assert!(positive("1e300").is_err() && positive("0").is_err());
        assert_eq!(non_negative("0"), Ok(0.0));
        assert_eq!(count::<8>("8"), Ok(8));
        assert!(count::<8>("9").is_err() && count::<8>("0").is_err() && count::<8>("-1").is_err());
        assert_eq!(count0::<8>("0"), Ok(0));
        assert!(steps("0").is_err() && steps("18446744073709551616").is_err());
    }
}
