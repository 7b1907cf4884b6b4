//! A signed-in user acts in one workspace at a time: a vendor company (as a teammate) or a
//! partner team (as a contact).

use serde::{Deserialize, Serialize};

use crate::permissions::{ContactRole, TeammateRole};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WorkspaceKind {
    Vendor,
    Partner,
}

crate::stored_names!(WorkspaceKind, "workspace kind", {
    Vendor => "vendor",
    Partner => "partner",
});

impl WorkspaceKind {
    /// Where the dashboard of this kind of workspace lives.
    pub fn home(self) -> &'static str {
        match self {
            WorkspaceKind::Vendor => "/vendor",
            WorkspaceKind::Partner => "/partner",
        }
    }
}

/// One of a user's memberships, offered on the workspace picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    Teammate {
        company_id: i64,
        company_name: String,
        role: TeammateRole,
    },
    Contact {
        partner_team_id: i64,
        partner_team_name: String,
        role: ContactRole,
    },
}

impl Membership {
    pub fn kind(&self) -> WorkspaceKind {
        match self {
            Membership::Teammate { .. } => WorkspaceKind::Vendor,
            Membership::Contact { .. } => WorkspaceKind::Partner,
        }
    }

    pub fn workspace_id(&self) -> i64 {
        match self {
            Membership::Teammate { company_id, .. } => *company_id,
            Membership::Contact {
                partner_team_id, ..
            } => *partner_team_id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Membership::Teammate { company_name, .. } => company_name,
            Membership::Contact {
                partner_team_name, ..
            } => partner_team_name,
        }
    }
}

/// Where a user goes right after signing in: straight to the only workspace they have, or to
/// the picker when there is a choice (or nothing to pick, which the picker explains).
pub fn landing(memberships: &[Membership]) -> Landing {
    match memberships {
        [only] => Landing::Workspace {
            kind: only.kind(),
            id: only.workspace_id(),
        },
        _ => Landing::Picker,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    Workspace { kind: WorkspaceKind, id: i64 },
    Picker,
}

pub const PICKER_PATH: &str = "/workspaces";
pub const PROFILE_PATH: &str = "/profile";

impl Landing {
    pub fn path(self) -> &'static str {
        match self {
            Landing::Workspace { kind, .. } => kind.home(),
            Landing::Picker => PICKER_PATH,
        }
    }
}

/// Only local, absolute paths are followed after sign-in; anything else (another host,
/// `//evil.example`, `javascript:`) falls back to the landing page.
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    let next = next?.trim();
    let allowed_prefixes = [
        "/vendor",
        "/partner",
        PICKER_PATH,
        PROFILE_PATH,
        "/invite",
        "/join",
    ];
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    let path_only = !next.contains("://") && next.chars().all(|c| !c.is_control());
    (local
        && path_only
        && allowed_prefixes.iter().any(|p| {
            next == *p || next.starts_with(&format!("{p}/")) || next.starts_with(&format!("{p}?"))
        }))
    .then_some(next)
}

/// The program a workspace works in: the one chosen (in the header or the URL) when it is
/// still one of the workspace's `programs`, else the first of them.
pub fn chosen_program(programs: &[i64], chosen: Option<i64>) -> Option<i64> {
    chosen
        .filter(|id| programs.contains(id))
        .or_else(|| programs.first().copied())
}

/// Where the header's program switcher returns to: the same section of the same side, in the
/// newly chosen program. Query strings and record pages belong to the old program, so they are
/// dropped; anything outside the workspace's side falls back to its home.
pub fn after_program_switch(kind: WorkspaceKind, current: &str) -> String {
    let path = current.split(['?', '#']).next().unwrap_or("");
    let home = kind.home();
    let Some(rest) = path.strip_prefix(home) else {
        return home.to_owned();
    };
    if !(rest.is_empty() || rest.starts_with('/')) || safe_next(Some(path)).is_none() {
        return home.to_owned();
    }
    // The first section below home is a list page; deeper segments name one record.
    match rest.trim_start_matches('/').split('/').next() {
        Some("") | None => home.to_owned(),
        Some(section) => format!("{home}/{section}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teammate(id: i64) -> Membership {
        Membership::Teammate {
            company_id: id,
            company_name: "Acme".into(),
            role: TeammateRole::Owner,
        }
    }
    fn contact(id: i64) -> Membership {
        Membership::Contact {
            partner_team_id: id,
            partner_team_name: "NW".into(),
            role: ContactRole::Member,
        }
    }

    #[test]
    fn lands_on_the_only_workspace_or_the_picker() {
        assert_eq!(landing(&[teammate(1)]).path(), "/vendor");
        assert_eq!(landing(&[contact(2)]).path(), "/partner");
        assert_eq!(landing(&[teammate(1), contact(2)]), Landing::Picker);
        assert_eq!(landing(&[]), Landing::Picker);
    }

    #[test]
    fn next_is_allow_listed() {
        assert_eq!(safe_next(Some("/vendor")), Some("/vendor"));
        assert_eq!(safe_next(Some("/partner/links")), Some("/partner/links"));
        assert_eq!(safe_next(Some("/invite/abc")), Some("/invite/abc"));
        assert_eq!(
            destination(Landing::Picker, Some("/join/acme?x=1")),
            "/join/acme?x=1"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/vendorx",
            "/\\evil",
            "javascript:alert(1)",
            "/login",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad}");
        }
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [WorkspaceKind::Vendor, WorkspaceKind::Partner] {
            assert_eq!(WorkspaceKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(WorkspaceKind::parse("admin").is_err());
    }
}

/// Where to send a user after sign-in: `next` when it is allow-listed and inside the
/// workspace they land in, the landing page otherwise.
pub fn destination(landing: Landing, next: Option<&str>) -> String {
    safe_next(next)
        .filter(|n| {
            // An invite or a program's signup page is accepted as whoever signed in, whatever
            // workspace they land in.
            n.starts_with("/invite/")
                || n.starts_with("/join/")
                || (matches!(landing, Landing::Workspace { .. }) && n.starts_with(landing.path()))
        })
        .unwrap_or(landing.path())
        .to_owned()
}

#[cfg(test)]
mod destination_tests {
    use super::*;

    #[test]
    fn next_only_within_the_landing_workspace() {
        let vendor = Landing::Workspace {
            kind: WorkspaceKind::Vendor,
            id: 1,
        };
        assert_eq!(
            destination(vendor, Some("/vendor?program=2")),
            "/vendor?program=2"
        );
        assert_eq!(destination(vendor, Some("/partner")), "/vendor");
        assert_eq!(destination(vendor, Some("https://evil.example")), "/vendor");
        assert_eq!(destination(Landing::Picker, Some("/vendor")), "/workspaces");
    }
}

/// Who may open a page, decided before it renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    /// Anyone (sign-in page, health check, assets).
    Public,
    /// Needs a signed-in user; send visitors to the sign-in page.
    SignIn,
    Allowed,
    /// Signed in, but the workspace does not fit the page: render the forbidden page with 403.
    Forbidden,
}

/// `session` is `None` for a visitor, `Some(workspace kind)` for a signed-in user.
pub fn page_access(path: &str, session: Option<Option<WorkspaceKind>>) -> PageAccess {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let needed = if under("/vendor") {
        Some(WorkspaceKind::Vendor)
    } else if under("/partner") {
        Some(WorkspaceKind::Partner)
    } else if under(PICKER_PATH) || under(PROFILE_PATH) {
        None
    } else {
        return PageAccess::Public;
    };
    match (session, needed) {
        (None, _) => PageAccess::SignIn,
        (Some(_), None) => PageAccess::Allowed,
        (Some(current), Some(needed)) if current == Some(needed) => PageAccess::Allowed,
        (Some(_), Some(_)) => PageAccess::Forbidden,
    }
}

#[cfg(test)]
mod page_access_tests {
    use super::*;
    use WorkspaceKind::*;

    #[test]
    fn dashboards_need_their_workspace() {
        assert_eq!(page_access("/login", None), PageAccess::Public);
        assert_eq!(page_access("/vendor", None), PageAccess::SignIn);
        assert_eq!(page_access("/partner/x", None), PageAccess::SignIn);
        assert_eq!(
            page_access("/vendor", Some(Some(Vendor))),
            PageAccess::Allowed
        );
        assert_eq!(
            page_access("/vendor", Some(Some(Partner))),
            PageAccess::Forbidden
        );
        assert_eq!(
            page_access("/vendor/partners", Some(None)),
            PageAccess::Forbidden
        );
        assert_eq!(
            page_access("/partner", Some(Some(Vendor))),
            PageAccess::Forbidden
        );
        assert_eq!(page_access("/workspaces", Some(None)), PageAccess::Allowed);
        assert_eq!(page_access("/workspaces", None), PageAccess::SignIn);
        assert_eq!(page_access("/profile", None), PageAccess::SignIn);
        assert_eq!(
            page_access("/profile", Some(Some(Partner))),
            PageAccess::Allowed
        );
        assert_eq!(page_access("/vendorish", None), PageAccess::Public);
    }

    #[test]
    fn program_switch_keeps_the_section_and_drops_the_record() {
        use WorkspaceKind::{Partner, Vendor};
        assert_eq!(after_program_switch(Vendor, "/vendor"), "/vendor");
        assert_eq!(
            after_program_switch(Vendor, "/vendor/partners?segment=3&after=j1.2"),
            "/vendor/partners"
        );
        assert_eq!(
            after_program_switch(Vendor, "/vendor/partners/17"),
            "/vendor/partners"
        );
        assert_eq!(
            after_program_switch(Vendor, "/vendor/segments/new"),
            "/vendor/segments"
        );
        assert_eq!(
            after_program_switch(Partner, "/partner/team"),
            "/partner/team"
        );
        assert_eq!(after_program_switch(Vendor, "/partner/team"), "/vendor");
        assert_eq!(after_program_switch(Vendor, "/vendorx"), "/vendor");
        assert_eq!(
            after_program_switch(Vendor, "//evil.example/vendor"),
            "/vendor"
        );
        assert_eq!(
            after_program_switch(Partner, "https://evil.example/partner"),
            "/partner"
        );
        assert_eq!(after_program_switch(Vendor, "/profile"), "/vendor");
    }

    #[test]
    fn a_stale_program_choice_falls_back_to_the_first() {
        assert_eq!(chosen_program(&[3, 7], Some(7)), Some(7));
        assert_eq!(chosen_program(&[3, 7], Some(9)), Some(3));
        assert_eq!(chosen_program(&[3, 7], None), Some(3));
        assert_eq!(chosen_program(&[], Some(3)), None);
    }
}
