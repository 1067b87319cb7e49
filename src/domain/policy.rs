use std::str::FromStr;

/// Policy `organizations_per_user`: how many organizations one account may
/// belong to. `Unlimited` (GitHub, Packet, Particle, Segments) or a number
/// (`1` is Percona's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgLimit {
    Unlimited,
    AtMost(u32),
}

impl OrgLimit {
    pub fn allows_another(self, current: i64) -> bool {
        match self {
            OrgLimit::Unlimited => true,
            OrgLimit::AtMost(n) => current < i64::from(n),
        }
    }

    pub fn is_single(self) -> bool {
        self == OrgLimit::AtMost(1)
    }
}

impl FromStr for OrgLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("unlimited") || s.is_empty() {
            return Ok(OrgLimit::Unlimited);
        }
        match s.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(OrgLimit::AtMost(n)),
            _ => Err(format!("expected a positive number or `unlimited`, got `{s}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_limits() {
        assert_eq!("unlimited".parse::<OrgLimit>().unwrap(), OrgLimit::Unlimited);
        let one: OrgLimit = "1".parse().unwrap();
        assert!(one.is_single());
        assert!(one.allows_another(0));
        assert!(!one.allows_another(1));
        assert!("0".parse::<OrgLimit>().is_err());
        assert!("many".parse::<OrgLimit>().is_err());
    }
}
