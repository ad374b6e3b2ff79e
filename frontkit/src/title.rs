//! The document `<title>`: what the page is, then the service, so a tab, a bookmark and a
//! screen reader's page list each say where the person is.

/// The service every title ends with, provided by an app as Leptos context
/// (`provide_context(ServiceName("Sealpost clinic console"))`); without it, [`SEALPOST`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceName(pub &'static str);

/// The patient portal's service name, the default.
pub const SEALPOST: ServiceName = ServiceName("Sealpost");

/// `Enter your date of birth – Sealpost`; prefixed `Error: ` while the page's form has errors
/// (GOV.UK: so screen-reader users hear at once that something needs fixing).
pub fn page_title(heading: &str, has_errors: bool, service: ServiceName) -> String {
    let prefix = if has_errors { "Error: " } else { "" };
    format!("{prefix}{heading} – {}", service.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_page_then_the_service() {
        assert_eq!(
            page_title("Your documents", false, SEALPOST),
            "Your documents – Sealpost"
        );
        assert_eq!(
            page_title("Enter your date of birth", true, SEALPOST),
            "Error: Enter your date of birth – Sealpost"
        );
        assert_eq!(
            page_title("Settings", false, ServiceName("Sealpost clinic console")),
            "Settings – Sealpost clinic console"
        );
    }
}
