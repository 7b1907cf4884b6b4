//! The demo seed's SQL: a transaction ([`Seeder`]) with one typed insert per kind of demo row,
//! on the demo calendar ([`day`]). What the demo holds is the server's (`server::seed`); the
//! seed writes straight to the tables, without the events the portal's own changes append, and
//! records itself with one event instead. Errors are the seed's: messages for the person
//! running it.

use domain::money::RoundingMode;
use domain::payout::PayoutMethod;
use domain::time::date_to_ms;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};

/// How many users the database has: the demo is seeded into an empty one only.
pub async fn user_count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut db.conn().await?)
        .await
}

/// The demo's made-up company domain: "Contoso Retail" -> "contoso.example".
fn demo_domain(company: &str) -> String {
    let first = company.split_whitespace().next().unwrap_or("demo");
    format!(
        "{}.example",
        first
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "")
    )
}

/// Day `n` of the demo calendar, which starts on 1 January 2026: the demo's rows get the
/// same times every run.
pub fn day(n: i64) -> i64 {
    date_to_ms(2026, 1, 1) + n * 86_400_000
}

/// A demo deal; the dates not given follow the demo calendar.
#[derive(Default)]
pub struct SeedDeal<'a> {
    pub name: &'a str,
    pub domain: &'a str,
    pub amount: i64,
    pub motion: &'a str,
    pub stage: &'a str,
    pub rep: Option<i64>,
    pub buy_price: Option<i64>,
    pub discount_bp: Option<i64>,
    pub reason: Option<&'a str>,
    pub approved_at: Option<i64>,
    pub customer: Option<i64>,
}

/// The demo seed's writer: one transaction holding every row of the demo, each inserted by
/// a typed call whose SQL lives here.
pub struct Seeder {
    tx: Tx,
}

impl Seeder {
    /// Starts the seed's transaction: the demo is written whole or not at all.
    pub async fn begin(db: &Db) -> Result<Seeder, String> {
        let tx = db.begin().await.map_err(|e| e.to_string())?;
        Ok(Seeder { tx })
    }

    /// Records the seed with one `demo.seeded` event about `subject` (listing the demo's
    /// `companies`) and commits everything.
    pub async fn finish(mut self, subject: i64, companies: &[i64]) -> Result<(), String> {
        events::append(
            &mut self.tx,
            NewEvent {
                actor_user_id: None,
                company_id: None,
                kind: "demo.seeded",
                subject_type: "company",
                subject_id: subject,
                payload: serde_json::json!({ "companies": companies }),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        self.tx.commit().await.map_err(|e| e.to_string())
    }

    /// A partner invite to `email` waiting for an answer, sent `now` (invites expire after 7
    /// days). Its token is random and thrown away: withdraw it and invite again to get a link.
    pub async fn invite(
        &mut self,
        company: i64,
        program: i64,
        email: &str,
        invited_by: i64,
        now: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO invites (token_hash, kind, company_id, program_id, email, role, invited_by_user_id, created_at, expires_at) \
             VALUES ($1, 'partner', $2, $3, $4, 'owner', $5, $6, $7) RETURNING id",
            vec![
                S(super::session::hash_token(&super::session::new_token())),
                I(company),
                I(program),
                S(email.into()),
                I(invited_by),
                I(now),
                I(domain::invite::InviteTimes::new(now).expires_at),
            ],
        )
        .await
    }

    /// A message in the outbox, queued for sending like any other.
    /// The demo's trigger, "Welcome approved partners", with a run history: it is made, then
    /// the approvals of `partnerships` are logged (by `owner`, now) and the trigger runs for
    /// them in the seed, as the runner would have (their jobs then find the runs kept).
    pub async fn demo_trigger(
        &mut self,
        program: i64,
        owner: i64,
        partnerships: &[i64],
    ) -> Result<(), String> {
        let money = super::rewards::program_money(&mut *self.tx, program)
            .await
            .map_err(|e| e.message)?;
        let now = now_ms();
        let form = domain::trigger::TriggerForm {
            name: "Welcome approved partners",
            event: "partner_approved",
            email_subject: "Welcome to {program}, {partner}",
            email_body: "Your application is approved. Sign in to find your referral link, register your first lead and see what you earn.",
            ..domain::trigger::TriggerForm::default()
        };
        let draft = domain::trigger::validate(&form, money.currency)
            .map_err(|problems| format!("the demo trigger: {problems:?}"))?;
        super::triggers::save_in(&mut self.tx, &money, None, &draft, owner, now)
            .await
            .map_err(|e| e.message)?;
        let mut approvals = Vec::new();
        for partnership in partnerships {
            let id = events::append(
                &mut self.tx,
                NewEvent {
                    actor_user_id: Some(owner),
                    company_id: Some(money.company_id),
                    kind: "partnership.status_changed",
                    subject_type: "partnership",
                    subject_id: *partnership,
                    payload: serde_json::json!({ "before": "applied", "after": "active", "reason": null }),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            approvals.push(id);
        }
        super::triggers::run_now(&mut self.tx, &approvals, now)
            .await
            .map_err(|e| e.message)
    }

    pub async fn email(
        &mut self,
        to: super::emails::Recipient<'_>,
        message: &super::messages::Message<'_>,
    ) -> Result<i64, String> {
        super::emails::queue(&mut self.tx, to, message)
            .await
            .map_err(|e| e.message)?
            .ok_or_else(|| "the demo's recipients turned nothing off".to_owned())
    }

    /// A segment of `program` with `rule`.
    pub async fn segment(
        &mut self,
        program: i64,
        name: &str,
        rule: &domain::segment::Rule,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO segments (program_id, name, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id",
            vec![I(program), S(name.into()), S(serde_json::to_string(rule).map_err(|e| e.to_string())?), I(day(0))],
        )
        .await
    }

    /// The reason a lead was rejected.
    pub async fn lead_reason(&mut self, lead: i64, reason: &str) -> Result<i64, String> {
        self.id(
            "UPDATE leads SET reason = $1 WHERE id = $2 RETURNING id",
            vec![S(reason.into()), I(lead)],
        )
        .await
    }

    /// `lead` passed to `partnership` by `passed_by` on demo day 31, answered on day 33 unless
    /// it is still `passed` (waiting).
    pub async fn lead_pass(
        &mut self,
        lead: i64,
        partnership: i64,
        status: &str,
        reason: Option<&str>,
        passed_by: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO lead_passes (lead_id, partnership_id, status, reason, passed_by_user_id, passed_at, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            vec![
                I(lead),
                I(partnership),
                S(status.into()),
                OS(reason.map(Into::into)),
                I(passed_by),
                I(day(31)),
                OI((status != "passed").then(|| day(33))),
            ],
        )
        .await
    }

    async fn id(&mut self, sql: &'static str, binds: Vec<Bind>) -> Result<i64, String> {
        let mut query = sqlx::query_scalar::<_, i64>(sql);
        for bind in binds {
            query = match bind {
                Bind::I(v) => query.bind(v),
                Bind::S(v) => query.bind(v),
                Bind::OI(v) => query.bind(v),
                Bind::OS(v) => query.bind(v),
            };
        }
        query
            .fetch_one(&mut *self.tx)
            .await
            .map_err(|e| format!("seeding failed: {e}"))
    }

    /// A user with a password hash, created on the first day of the demo.
    pub async fn user(&mut self, email: &str, name: &str, hash: String) -> Result<i64, String> {
        self.id(
            "INSERT INTO users (email, email_normalized, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            vec![S(email.into()), S(email.to_lowercase()), S(name.into()), S(hash), I(day(0))],
        )
        .await
    }

    /// A vendor company.
    pub async fn company(&mut self, name: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO companies (name, created_at) VALUES ($1, $2) RETURNING id",
            vec![S(name.into()), I(day(0))],
        )
        .await
    }

    /// A teammate of `company` with `role`.
    pub async fn teammate(&mut self, company: i64, user: i64, role: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO teammates (company_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![I(company), I(user), S(role.into()), I(day(0))],
        )
        .await
    }

    /// Where the team's owner is paid (what finance needs to pay its payouts).
    pub async fn payout_details(
        &mut self,
        team: i64,
        method: PayoutMethod,
        details: &str,
    ) -> Result<(), String> {
        self.id(
            "UPDATE partner_teams SET payout_method = $1, payout_details = $2 WHERE id = $3 RETURNING id",
            vec![S(method.as_str().into()), S(details.into()), I(team)],
        )
        .await
        .map(|_| ())
    }

    /// A partner team of `kind` in `country`.
    pub async fn team(&mut self, name: &str, kind: &str, country: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO partner_teams (name, kind, country, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![S(name.into()), S(kind.into()), S(country.into()), I(day(1))],
        )
        .await
    }

    /// A contact of partner team `team` with `role`, and a deterministic referral code.
    pub async fn contact(&mut self, team: i64, user: i64, role: &str) -> Result<i64, String> {
        self.id(
            "INSERT INTO contacts (partner_team_id, user_id, role, created_at, referral_code) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            // Deterministic, like the rest of the demo; real codes are random.
            vec![I(team), I(user), S(role.into()), I(day(1)), S(format!("demo{team:03}{user:05}"))],
        )
        .await
    }

    /// A program of `company` (90-day attribution, 30-day hold, approval to join) with a new
    /// public key.
    pub async fn program(
        &mut self,
        company: i64,
        name: &str,
        currency: &str,
        min_cashout: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO programs (company_id, name, slug, currency, attribution_window_days, hold_days, min_cashout_minor, signup_mode, terms, created_at, public_key) \
             VALUES ($1, $2, $3, $4, 90, 30, $5, 'approval', $6, $7, $8) RETURNING id",
            vec![
                I(company),
                S(name.into()),
                S(domain::program::slugify(name)),
                S(currency.into()),
                I(min_cashout),
                S(format!("Partners of {name} earn rewards on the customers they bring. Rewards are held for 30 days before they can be cashed out.")),
                I(day(0)),
                S(super::links::new_public_key()),
            ],
        )
        .await
    }

    /// A partner group of `program`.
    pub async fn group(
        &mut self,
        program: i64,
        name: &str,
        is_default: bool,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            vec![I(program), S(name.into()), I(i64::from(is_default)), I(day(0))],
        )
        .await
    }

    /// A tier of `program` reached by closed-won revenue of `threshold_minor` in 90 days.
    pub async fn tier(
        &mut self,
        program: i64,
        name: &str,
        rank: i64,
        threshold_minor: i64,
    ) -> Result<i64, String> {
        let rule = domain::tier::TierRule {
            metric: domain::tier::Metric::ClosedWonRevenue,
            window_days: Some(90),
            threshold: threshold_minor,
        };
        // Only the top tier earns more per reward; the others show progress toward it.
        let benefits = domain::tier::TierBenefits {
            multiplier_percent: (rank >= 3).then_some(110),
        };
        self.id(
            "INSERT INTO tiers (program_id, name, rank, rule, benefits, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            vec![
                I(program),
                S(name.into()),
                I(rank),
                S(serde_json::to_string(&rule).map_err(|e| e.to_string())?),
                S(serde_json::to_string(&benefits).map_err(|e| e.to_string())?),
                I(day(0)),
            ],
        )
        .await
    }

    /// A tag of `program`, put on `partnerships`.
    pub async fn tag(
        &mut self,
        program: i64,
        name: &str,
        partnerships: &[i64],
    ) -> Result<i64, String> {
        let tag = self
            .id(
                "INSERT INTO tags (program_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                vec![I(program), S(name.into()), I(day(0))],
            )
            .await?;
        for partnership in partnerships {
            self.id(
                "INSERT INTO partnership_tags (partnership_id, tag_id, created_at) VALUES ($1, $2, $3) RETURNING tag_id",
                vec![I(*partnership), I(tag), I(day(10))],
            )
            .await?;
        }
        Ok(tag)
    }

    /// A partnership of `team` in `program`, joined on demo day `joined`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per column the demo sets"
    )]
    pub async fn partnership(
        &mut self,
        program: i64,
        team: i64,
        status: &str,
        key: &str,
        group: i64,
        tier: Option<i64>,
        manager: Option<i64>,
        joined: i64,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, tier_id, manager_teammate_id, joined_at, team_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
            vec![I(program), I(team), S(status.into()), S(key.into()), I(group), OI(tier), OI(manager), I(day(joined))],
        )
        .await
    }

    /// A customer of `program` attributed to `partnership`, with a made-up domain and billing
    /// email.
    pub async fn customer(
        &mut self,
        program: i64,
        partnership: i64,
        key: &str,
        name: &str,
        source: &str,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, attributed_at, domain, company_key, email) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(key.into()),
                S(name.into()),
                S(source.into()),
                I(day(20)),
                S(demo_domain(name)),
                S(domain::conflict::normalize_company_name(name)),
                S(format!("billing@{}", demo_domain(name))),
            ],
        )
        .await
    }

    /// A lead of `partnership` in `status`.
    pub async fn lead(
        &mut self,
        program: i64,
        partnership: i64,
        company: &str,
        email: &str,
        status: &str,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, domain, company_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(company.into()),
                S(email.into()),
                S(status.into()),
                I(day(30)),
                S(email.rsplit('@').next().unwrap_or_default().to_owned()),
                S(domain::conflict::normalize_company_name(company)),
            ],
        )
        .await
    }

    /// A deal of `partnership`; see [`SeedDeal`].
    pub async fn deal(
        &mut self,
        program: i64,
        partnership: i64,
        d: SeedDeal<'_>,
    ) -> Result<i64, String> {
        let closed = matches!(d.stage, "closed_won" | "closed_lost").then(|| day(80));
        self.id(
            "INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, domain, company_key, \
             expected_close_at, rep_user_id, buy_price_minor, discount_bp, reason, approved_at, protected_until, closed_at, customer_id) \
             VALUES ($1, $2, $3, $4, 'USD', $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            vec![
                I(program),
                I(partnership),
                S(d.name.into()),
                I(d.amount),
                S(d.motion.into()),
                S(d.stage.into()),
                I(day(40)),
                S(d.domain.into()),
                S(domain::conflict::normalize_company_name(d.name)),
                I(day(120)),
                OI(d.rep),
                OI(d.buy_price),
                OI(d.discount_bp),
                OS(d.reason.map(Into::into)),
                OI(d.approved_at),
                OI(d.approved_at.map(|at| domain::deal::protected_until(at, 90))),
                OI(closed),
                OI(d.customer),
            ],
        )
        .await
    }

    /// A payout of `partnership`.
    pub async fn payout(
        &mut self,
        program: i64,
        partnership: i64,
        amount: i64,
        currency: &str,
        status: &str,
        reference: Option<&str>,
    ) -> Result<i64, String> {
        self.id(
            "INSERT INTO payouts (program_id, partnership_id, amount_minor, currency, status, reference, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            vec![I(program), I(partnership), I(amount), S(currency.into()), S(status.into()), OS(reference.map(Into::into)), I(day(60))],
        )
        .await
    }

    /// A reward of `partnership` made on demo day `created`, in `payout` if given.
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per column the demo sets"
    )]
    pub async fn reward(
        &mut self,
        program: i64,
        partnership: i64,
        amount: i64,
        currency: &str,
        status: &str,
        description: &str,
        payout: Option<i64>,
        created: i64,
    ) -> Result<i64, String> {
        let decline_reason =
            (status == "declined").then(|| "Duplicate of an existing customer".to_owned());
        // Pending rewards stay inside their hold for a while from whenever the demo is seeded,
        // so the hold release does not change the demo's numbers on its first run.
        let available_at = if status == "pending" {
            now_ms() + 20 * 86_400_000
        } else {
            day(created + 30)
        };
        self.id(
            "INSERT INTO rewards (program_id, partnership_id, amount_minor, currency, rounding_mode, status, description, decline_reason, payout_id, available_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            vec![
                I(program),
                I(partnership),
                I(amount),
                S(currency.into()),
                S(RoundingMode::DEFAULT.as_str().into()),
                S(status.into()),
                S(description.into()),
                OS(decline_reason),
                OI(payout),
                I(available_at),
                I(day(created)),
            ],
        )
        .await
    }
}

enum Bind {
    I(i64),
    S(String),
    OI(Option<i64>),
    OS(Option<String>),
}
use Bind::{I, OI, OS, S};
