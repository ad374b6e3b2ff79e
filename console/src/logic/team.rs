//! The "Staff and keys" page's decisions: reading its forms, naming roles, and what to say
//! after each change.

use sealpost_shared::recipients::is_valid_email;
use sealpost_shared::staff::{ApiKeyEntry, Role, StaffMember};
use sealpost_shared::text::percent_encode;

use super::Problem;

/// The roles in the order the role select offers them, least first.
pub const ROLES: [Role; 3] = [Role::Viewer, Role::Sharer, Role::Admin];

/// The longest key name the API accepts.
pub const MAX_KEY_NAME: usize = 80;

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Viewer => "Viewer",
        Role::Sharer => "Sharer",
        Role::Admin => "Administrator",
    }
}

/// What each role lets its holder do, for the role select's hint (as `shared::staff` decides).
pub const ROLE_HINT: &str = "Viewers look at patients, documents and the sharing history. \
    Sharers can also share and unshare. Administrators can also change settings, staff and API keys.";

/// The wire name of a role (`sharer`), for form values.
pub fn role_value(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Sharer => "sharer",
        Role::Admin => "admin",
    }
}

pub fn role_from_value(value: &str) -> Option<Role> {
    ROLES.into_iter().find(|r| role_value(*r) == value)
}

/// The add-or-change form as typed: the address trimmed and lower-cased (as Cloudflare Access
/// signs people in), and the role; or the problems, each linked to its control.
pub fn parse_staff_form(email: &str, role: &str) -> Result<(String, Role), Vec<Problem>> {
    let email = email.trim().to_ascii_lowercase();
    let mut problems = Vec::new();
    if email.is_empty() {
        problems.push(Problem {
            target: "staff-email".to_owned(),
            message: "Enter the staff member's email address".to_owned(),
        });
    } else if !is_valid_email(&email) {
        problems.push(Problem {
            target: "staff-email".to_owned(),
            message: "Enter an email address in the correct format, like name@practice.example"
                .to_owned(),
        });
    }
    let role = role_from_value(role);
    if role.is_none() {
        problems.push(Problem {
            target: "staff-role".to_owned(),
            message: "Choose a role".to_owned(),
        });
    }
    match role {
        Some(role) if problems.is_empty() => Ok((email, role)),
        _ => Err(problems),
    }
}

/// What to announce once a role is saved: an addition or a change.
pub fn role_saved_notice(before: &[StaffMember], saved: &StaffMember) -> String {
    let label = role_label(saved.role);
    if before.iter().any(|m| m.email == saved.email) {
        format!("{} is now {} {label}.", saved.email, article(saved.role))
    } else {
        format!(
            "{} was added as {} {label}.",
            saved.email,
            article(saved.role)
        )
    }
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an",
        Role::Viewer | Role::Sharer => "a",
    }
}

/// Whether `member` is the signed-in staff member (who cannot remove themselves).
pub fn is_you(member: &str, you: &str) -> bool {
    member.trim().eq_ignore_ascii_case(you.trim())
}

/// A new key's name as typed, or the problem with it.
pub fn parse_key_name(name: &str) -> Result<String, Problem> {
    let problem = |message: &str| Problem {
        target: "key-name".to_owned(),
        message: message.to_owned(),
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(problem(
            "Enter what the key is for, like Practice management system",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(problem("Write the name on one line"));
    }
    if trimmed.chars().count() > MAX_KEY_NAME {
        return Err(problem("Use a name of 80 characters or fewer"));
    }
    Ok(trimmed.to_owned())
}

/// Keys in use first (newest first), then revoked ones (most recently revoked first).
pub fn keys_in_order(mut keys: Vec<ApiKeyEntry>) -> Vec<ApiKeyEntry> {
    keys.sort_by(|a, b| match (a.revoked_at, b.revoked_at) {
        (None, None) => b.created_at.cmp(&a.created_at),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    keys
}

/// An email address as one path segment. The API matches the segment as sent (it does not
/// percent-decode), so everything a path segment may carry literally — `@`, `+`, `.` and the
/// other RFC 3986 `pchar`s — stays as it is; only the rest is encoded.
pub fn email_segment(email: &str) -> String {
    percent_encode(email, |b| {
        b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn member(email: &str, role: Role) -> StaffMember {
        StaffMember {
            email: email.to_owned(),
            role,
            added_at: 0,
            added_by: "admin@clinic.example".to_owned(),
        }
    }

    fn key(id: &str, created_at: i64, revoked_at: Option<i64>) -> ApiKeyEntry {
        ApiKeyEntry {
            id: id.to_owned(),
            name: id.to_owned(),
            hint: format!("sp_riverside_…{id}"),
            created_at,
            created_by: "admin@clinic.example".to_owned(),
            revoked_at,
        }
    }

    #[test]
    fn the_staff_form_lower_cases_the_address_and_needs_a_role() {
        assert_eq!(
            parse_staff_form("  Nurse@Clinic.Example ", "sharer").unwrap(),
            ("nurse@clinic.example".to_owned(), Role::Sharer)
        );
        let problems = parse_staff_form("", "").unwrap_err();
        let targets: Vec<&str> = problems.iter().map(|p| p.target.as_str()).collect();
        assert_eq!(targets, ["staff-email", "staff-role"]);
        let bad = parse_staff_form("nurse at clinic", "admin").unwrap_err();
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.contains("correct format"));
    }

    #[test]
    fn roles_round_trip_through_form_values() {
        for role in ROLES {
            assert_eq!(role_from_value(role_value(role)), Some(role));
        }
        assert_eq!(role_from_value("owner"), None);
    }

    #[test]
    fn the_notice_says_added_or_changed() {
        let before = [member("a@clinic.example", Role::Viewer)];
        assert_eq!(
            role_saved_notice(&before, &member("a@clinic.example", Role::Admin)),
            "a@clinic.example is now an Administrator."
        );
        assert_eq!(
            role_saved_notice(&before, &member("b@clinic.example", Role::Sharer)),
            "b@clinic.example was added as a Sharer."
        );
    }

    #[test]
    fn you_are_matched_case_insensitively() {
        assert!(is_you("admin@clinic.example", " Admin@Clinic.example"));
        assert!(!is_you("nurse@clinic.example", "admin@clinic.example"));
    }

    #[test]
    fn key_names_are_required_on_one_line_and_short() {
        assert_eq!(parse_key_name("  PMS  ").unwrap(), "PMS");
        assert_eq!(parse_key_name(" ").unwrap_err().target, "key-name");
        assert!(parse_key_name("a\nb").is_err());
        assert!(parse_key_name(&"x".repeat(MAX_KEY_NAME)).is_ok());
        assert!(parse_key_name(&"x".repeat(MAX_KEY_NAME + 1)).is_err());
    }

    #[test]
    fn keys_in_use_come_first() {
        let ordered = keys_in_order(vec![
            key("old", 1, None),
            key("gone", 2, Some(5)),
            key("new", 3, None),
            key("gone-later", 1, Some(9)),
        ]);
        let ids: Vec<&str> = ordered.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["new", "old", "gone-later", "gone"]);
    }

    #[test]
    fn email_segments_keep_the_at_sign_and_encode_what_a_path_cannot_hold() {
        assert_eq!(
            email_segment("a.b+c@clinic.example"),
            "a.b+c@clinic.example"
        );
        assert_eq!(
            email_segment("a/b?c#d@x.example"),
            "a%2Fb%3Fc%23d@x.example"
        );
    }
}
