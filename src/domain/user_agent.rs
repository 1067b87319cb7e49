//! "Firefox on Linux": what the Sessions page says about a browser, read from
//! its User-Agent header. Only the common browsers and systems are named;
//! anything else is shown by its first word.

/// The browser and operating system a User-Agent names.
pub fn describe(ua: &str) -> String {
    let ua = ua.trim();
    if ua.is_empty() {
        return "Unknown browser".into();
    }
    let browser = browser(ua);
    match os(ua) {
        Some(os) => format!("{browser} on {os}"),
        None => browser,
    }
}

fn browser(ua: &str) -> String {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    const BROWSERS: [(&str, &str); 7] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    for (marker, name) in BROWSERS {
        if ua.contains(marker) {
            return name.to_string();
        }
    }
    // curl/8.5.0, python-requests/2.31 ...: the product's name.
    ua.split(['/', ' ']).next().unwrap_or(ua).chars().take(40).collect()
}

fn os(ua: &str) -> Option<&'static str> {
    const SYSTEMS: [(&str, &str); 8] = [
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
    ];
    SYSTEMS.iter().find(|(marker, _)| ua.contains(marker)).map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_common_browsers_and_systems() {
        let firefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox), "Firefox on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome on Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe(edge), "Edge on Windows");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(safari), "Safari on iOS");
        let mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
        assert_eq!(describe(mac), "Safari on macOS");
        assert_eq!(describe("curl/8.5.0"), "curl");
        assert_eq!(describe(""), "Unknown browser");
    }
}
