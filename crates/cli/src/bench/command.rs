//! The arguments of `creditbank bench …` and which benchmark each runs.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchKind {
    /// Importing generated learner-outcome files of the given sizes through the job path,
    /// into a bank already holding `--bank` learners, then again.
    Import {
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 1_000_000)]
        bank: u64,
        #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
        db: Vec<String>,
        #[arg(
            long,
            env = "CREDITBANK_TEST_PG",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        pg: String,
    },
    /// One phase of `bench import`, in its own process so that its peak memory is its own.
    #[command(hide = true)]
    ImportRun {
        #[arg(long)]
        phase: String,
        #[arg(long)]
        db: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        file: std::path::PathBuf,
        #[arg(long)]
        files: std::path::PathBuf,
        #[arg(long)]
        rows: usize,
        #[arg(long)]
        bank: u64,
    },
    /// Finding applicable rules among N rules and M learner outcomes; certificate PDFs per second.
    Conversion {
        #[arg(long, default_value_t = 100_000)]
        rules: usize,
        #[arg(long, default_value_t = 1_000_000)]
        outcomes: usize,
        #[arg(
            long,
            env = "CREDITBANK_TEST_PG",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        pg: String,
    },
    /// The real server under load over a national-size bank (seeded once, then reused):
    /// requests/s, p50 and p99 per route at each number of connections, against /healthz.
    Load {
        /// `sqlite`, `postgres` or both.
        #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
        db: Vec<String>,
        #[arg(long, default_value_t = 1_000_000)]
        learners: i64,
        #[arg(long, default_value_t = 5_000_000)]
        outcomes: i64,
        #[arg(long, default_value_t = 200_000)]
        catalog: i64,
        #[arg(long, default_value_t = 100_000)]
        rules: i64,
        /// How long each (route, connections) runs.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        connections: Vec<usize>,
        /// Only the routes whose names contain one of these (all when empty).
        #[arg(long, value_delimiter = ',')]
        routes: Vec<String>,
        /// Where the seeded SQLite bank is kept between runs.
        #[arg(long, default_value = "bench/data")]
        data: std::path::PathBuf,
        #[arg(
            long,
            env = "CREDITBANK_TEST_PG",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        pg: String,
    },
    /// Catalog search over N institution outcomes on SQLite and PostgreSQL.
    Catalog {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// PostgreSQL server to create the benchmark database on.
        #[arg(
            long,
            env = "CREDITBANK_TEST_PG",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        pg: String,
    },
}

pub async fn run(which: BenchKind) -> anyhow::Result<()> {
    match which {
        BenchKind::Catalog { rows, pg } => super::catalog(rows, &pg).await,
        BenchKind::Load {
            db,
            learners,
            outcomes,
            catalog,
            rules,
            seconds,
            connections,
            routes,
            data,
            pg,
        } => {
            let sizes = super::seed::Sizes {
                learners,
                outcomes,
                catalog,
                rules,
            };
            std::fs::create_dir_all(&data)?;
            let data = data.canonicalize()?;
            super::load::run(super::load::Options {
                dbs: db,
                sizes,
                seconds,
                connections,
                routes,
                pg,
                data,
            })
            .await
        }
        BenchKind::Import { sizes, bank, db, pg } => {
            let plan = super::import::Plan {
                sizes: &sizes,
                bank,
                dbs: &db,
                pg_admin: &pg,
            };
            super::import::run(plan).await
        }
        BenchKind::ImportRun {
            phase,
            db,
            url,
            file,
            files,
            rows,
            bank,
        } => super::import::one(&phase, &db, &url, &file, &files, rows, bank).await,
        BenchKind::Conversion { rules, outcomes, pg } => super::conversion(rules, outcomes, &pg).await,
    }
}
