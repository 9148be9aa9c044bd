//! The three measurements: a big upload's memory, concurrent uploads against synced writes of the same
//! bytes, and a transition's latency with and without three documents.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;

use crate::files;
use crate::server::Server;

/// What the big upload cost.
pub struct Big {
    /// Seconds it took.
    pub seconds: f64,
    /// Resident memory before it, in MiB.
    pub before_mib: f64,
    /// The peak of resident memory while it streamed, in MiB.
    pub peak_mib: f64,
}

/// Uploads one PDF of `mb` MB, streamed, and reads this process's memory around it: the peak is
/// reset first (`/proc/self/clear_refs`), so it is the upload's.
pub async fn big_upload(server: &Server, mb: u64) -> anyhow::Result<Big> {
    let code = server.open_case().await?;
    let before_mib = status_mib("VmRSS")?;
    std::fs::OpenOptions::new().write(true).open("/proc/self/clear_refs")?.write_all(b"5")?;
    let started = Instant::now();
    let body = reqwest::Body::wrap_stream(files::streamed(0, mb * 1_000_000));
    server.upload(&code, "grande.pdf", body).await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Big { seconds, before_mib, peak_mib: status_mib("VmHWM")? })
}

/// `key` of `/proc/self/status`, in MiB.
fn status_mib(key: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with(key)).with_context(|| format!("no {key}"))?;
    let kib: f64 = line.split_whitespace().nth(1).context("a number")?.parse()?;
    Ok(kib / 1024.0)
}

/// Alternating pairs: synced writes of `count` files of 1 MB, then `count` uploads of 1 MB at once.
pub struct Many {
    /// MB/s of each pair: (synced writes, uploads).
    pub pairs: Vec<(f64, f64)>,
    /// The median of uploads / synced writes.
    pub median_ratio: f64,
}

/// Runs `pairs` pairs of `count` files.
pub async fn concurrent_uploads(server: &Server, count: usize, pairs: usize) -> anyhow::Result<Many> {
    const MB: u64 = 1_000_000;
    let mut results = Vec::new();
    for pair in 0..pairs {
        let first = 1_000 + pair * count;
        let synced = {
            let folder = server.folder.join(format!("synced-{pair}"));
            std::fs::create_dir_all(&folder)?;
            let started = Instant::now();
            for n in first..first + count {
                let mut file = std::fs::File::create(folder.join(format!("{n}.pdf")))?;
                file.write_all(&files::whole(n, MB))?;
                file.sync_all()?;
            }
            let seconds = started.elapsed().as_secs_f64();
            std::fs::remove_dir_all(&folder)?;
            count as f64 / seconds
        };
        let code = server.open_case().await?;
        let bodies: Vec<Vec<u8>> = (first..first + count).map(|n| files::whole(n, MB)).collect();
        let started = Instant::now();
        let uploads = bodies.into_iter().enumerate().map(|(i, bytes)| {
            let code = code.clone();
            async move { server.upload(&code, &format!("{i}.pdf"), reqwest::Body::from(bytes)).await }
        });
        for result in futures_util::future::join_all(uploads).await {
            result?;
        }
        let uploads = count as f64 / started.elapsed().as_secs_f64();
        results.push((synced, uploads));
    }
    let mut ratios: Vec<f64> = results.iter().map(|(s, u)| u / s).collect();
    ratios.sort_by(f64::total_cmp);
    Ok(Many { median_ratio: ratios[ratios.len() / 2], pairs: results })
}

/// p50 and p99 in milliseconds: (no document, three documents).
pub struct Attach {
    /// With none.
    pub none: (f64, f64),
    /// With three.
    pub three: (f64, f64),
}

/// Times `count` submissions with three documents (uploaded before the clock starts) and `count`
/// with none, alternating.
pub async fn transitions(server: &Server, count: usize) -> anyhow::Result<Attach> {
    let (mut none, mut three) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for i in 0..count {
        let plain = server.open_case().await?;
        let started = Instant::now();
        server.submit(&plain, &[]).await?;
        none.push(started.elapsed().as_secs_f64() * 1e3);

        let with = server.open_case().await?;
        let mut ids = Vec::new();
        for k in 0..3 {
            let bytes = files::whole(100_000 + i * 3 + k, 4_000);
            ids.push(server.upload(&with, &format!("{k}.pdf"), reqwest::Body::from(bytes)).await?);
        }
        let started = Instant::now();
        server.submit(&with, &ids).await?;
        three.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Attach { none: percentiles(&mut none), three: percentiles(&mut three) })
}

fn percentiles(samples: &mut [f64]) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}
