//! Answers to the page-rating question (`page_rating`): how many visitors gave each page one to five
//! stars. A page is named by its kind (`my_cases`, `citizen_case`, …), never by a path that could
//! hold a case code, and nothing is kept about who answered.

use sea_orm::ConnectionTrait;

use super::sql::statement;
use super::{Store, db};
use sportello_runtime::error::Error;

/// How one page was rated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRating {
    /// The page's kind.
    pub page: String,
    /// Answers with one, two, three, four and five stars.
    pub answers: [u64; 5],
}

impl Store {
    /// Counts one answer of `stars` (1 to 5) for `page`.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`]; [`Error::InvalidInput`] for stars outside 1 to 5.
    pub async fn rate_page(&self, page: &str, stars: u8) -> Result<(), Error> {
        if !(1..=5).contains(&stars) {
            return Err(Error::InvalidInput(vec![("/stars".to_owned(), format!("1 to 5 stars, not {stars}"))]));
        }
        let page = page.to_owned();
        self.inner
            .writer
            .write(false, move |txn| {
                Box::pin(async move {
                    let sql = "INSERT INTO page_rating (page, stars, answers) VALUES (?, ?, 1) \
                               ON CONFLICT (page, stars) DO UPDATE SET answers = page_rating.answers + 1";
                    let values = [page.as_str().into(), i16::from(stars).into()];
                    txn.execute_raw(statement(txn, sql, values)).await.map_err(db)?;
                    Ok(())
                })
            })
            .await
    }

    /// Every page rated so far, by name.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`].
    pub async fn page_ratings(&self) -> Result<Vec<PageRating>, Error> {
        let reader = &self.inner.reader;
        let sql = "SELECT page, stars, answers FROM page_rating ORDER BY page, stars";
        let rows = reader.query_all_raw(statement(reader, sql, [])).await.map_err(db)?;
        let mut ratings: Vec<PageRating> = Vec::new();
        for row in rows {
            let page: String = row.try_get_by_index(0).map_err(db)?;
            let stars: i16 = row.try_get_by_index(1).map_err(db)?;
            let answers: i64 = row.try_get_by_index(2).map_err(db)?;
            if ratings.last().is_none_or(|r| r.page != page) {
                ratings.push(PageRating { page, answers: [0; 5] });
            }
            if let (Some(last), Ok(index @ 0..=4)) = (ratings.last_mut(), usize::try_from(stars - 1)) {
                last.answers[index] = u64::try_from(answers).unwrap_or(0);
            }
        }
        Ok(ratings)
    }
}
