//! Clicks on referral links, as the click writer stores them: batches of rows in one
//! transaction of multi-row inserts, and the links' click counters moved on by the stored
//! clicks. The writer (its thread, queue and timing) is the server's; the redirect path reads
//! nothing here. Statements come in three sizes only, so they stay prepared on the writer's
//! [`Dedicated`] connection.

use super::db::{Dedicated, placeholders};

/// One click as it is stored.
#[derive(Debug, Clone)]
pub struct ClickRow {
    pub link_id: i64,
    pub click_key: String,
    pub occurred_at: i64,
    pub ip_hash: String,
    pub user_agent_family: &'static str,
    pub referrer_host: Option<String>,
    pub country: Option<String>,
    pub bot: bool,
}

/// Stores a batch in one transaction of multi-row inserts. The same SQL text on both backends.
/// After an error the connection is dropped, to be opened afresh.
pub async fn insert(conn: &mut Dedicated, batch: &[ClickRow]) -> Result<(), sqlx::Error> {
    let result = async {
        let mut tx = conn.begin().await?;
        for rows in runs(batch) {
            insert_rows(rows).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await;
    conn.check(result)
}

/// Adds stored clicks to their links' counters in one transaction: `counts` holds
/// (link id, (human clicks, bot clicks)), in link order so writers in several processes take
/// the rows' locks in the same order. After an error the connection is dropped, to be opened
/// afresh.
pub async fn add_to_links(
    conn: &mut Dedicated,
    counts: &[(i64, (i64, i64))],
) -> Result<(), sqlx::Error> {
    let result = async {
        let mut tx = conn.begin().await?;
        for links in runs(counts) {
            counter_update(links).execute(&mut *tx).await?;
        }
        tx.commit().await
    }
    .await;
    conn.check(result)
}

/// Most rows per insert statement and links per counter update. The SQLite driver looks each
/// placeholder up by name, which costs the square of a statement's placeholders: statements of
/// a few hundred placeholders keep that small.
const ROWS_PER_STATEMENT: usize = 25;

/// `items` cut into runs of 25, then 5, then 1: statements of three sizes only, which stay in
/// each connection's cache of prepared statements.
fn runs<T>(mut items: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        let size = [ROWS_PER_STATEMENT, 5, 1]
            .into_iter()
            .find(|size| items.len() >= *size)?;
        let (run, rest) = items.split_at(size);
        items = rest;
        Some(run)
    })
}

type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

fn insert_rows(rows: &[ClickRow]) -> AnyQuery {
    const COLUMNS: usize = 7;
    let values = (0..rows.len())
        .map(|i| format!("({})", placeholders(i * COLUMNS, COLUMNS)))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO clicks (link_id, click_key, occurred_at, ip_hash, user_agent_family, referrer_host, country) VALUES {values}"
    );
    // Safe: the text holds only placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in rows {
        query = query
            .bind(c.link_id)
            .bind(c.click_key.clone())
            .bind(c.occurred_at)
            .bind(c.ip_hash.clone())
            .bind(c.user_agent_family)
            .bind(c.referrer_host.clone())
            .bind(c.country.clone());
    }
    query
}

/// One `UPDATE` for some links of a batch: `click_count + CASE id WHEN … END`.
fn counter_update(counts: &[(i64, (i64, i64))]) -> AnyQuery {
    let n = counts.len();
    let cases = |offset: usize| {
        (0..n)
            .map(|i| format!(" WHEN ${} THEN ${}", 3 * i + 1, 3 * i + 1 + offset))
            .collect::<String>()
    };
    let ids = (0..n)
        .map(|i| format!("${}", 3 * i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE links SET click_count = click_count + CASE id{} ELSE 0 END, \
         bot_click_count = bot_click_count + CASE id{} ELSE 0 END WHERE id IN ({ids})",
        cases(1),
        cases(2)
    );
    // Safe: the text holds only placeholders; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (link_id, (human, bot)) in counts {
        query = query.bind(*link_id).bind(*human).bind(*bot);
    }
    query
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_come_in_three_sizes_and_cover_every_item_once() {
        for n in 0..200usize {
            let items: Vec<usize> = (0..n).collect();
            let cut: Vec<&[usize]> = runs(&items).collect();
            assert!(cut.iter().all(|run| [25, 5, 1].contains(&run.len())), "{n}");
            assert_eq!(cut.concat(), items);
            // Big runs first: at most four runs of 5 and four of 1.
            assert!(cut.iter().filter(|r| r.len() < 25).count() <= 8, "{n}");
        }
    }
}
