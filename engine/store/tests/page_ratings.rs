//! Answers to the page-rating question, on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL: each
//! answer adds one to its page's count for its number of stars, and anything but 1 to 5 stars is
//! refused without counting.

use jiff::civil::date;
use sportello_store::PageRating;
use sportello_testkit::stores;

#[tokio::test]
async fn answers_are_counted_per_page_and_stars() {
    for t in stores("page_ratings_count", date(2026, 12, 7)).await {
        let store = &t.store;
        assert_eq!(store.page_ratings().await.unwrap(), vec![], "{}", t.backend);
        for stars in [5, 5, 4, 1] {
            store.rate_page("my_cases", stars).await.unwrap();
        }
        store.rate_page("citizen_case", 3).await.unwrap();
        for refused in [0, 6] {
            assert!(store.rate_page("my_cases", refused).await.is_err(), "{}: {refused} stars", t.backend);
        }
        assert_eq!(
            store.page_ratings().await.unwrap(),
            vec![
                PageRating { page: "citizen_case".into(), answers: [0, 0, 1, 0, 0] },
                PageRating { page: "my_cases".into(), answers: [1, 0, 0, 1, 2] },
            ],
            "{}",
            t.backend
        );
    }
}
