//! A bounded pool for the CPU-heavy work that anyone can start with no login or little:
//! captcha images, font subsets and documents, Argon2 console sign-ins, and decoding uploaded
//! scans and phone photos. Without it each request got a blocking thread of its own (tokio
//! allows 512), so a burst of uploads or sign-ins took every core and, with a decoded scan up
//! to 256 MiB each, the memory too.
//!
//! One job runs per CPU, a few more wait per worker, and none waits longer than [`MAX_WAIT`].
//! Past that the caller gets [`Refused::Busy`] at once, and answers "busy, try again" (503
//! with `Retry-After`), instead of queueing without bound. The pool is shared by the whole
//! process, like the CPUs it stands for.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

/// The longest a job waits for a worker: a few jobs' time, well inside the page deadline.
pub const MAX_WAIT: Duration = Duration::from_secs(3);
/// Jobs that may wait for each worker.
const QUEUE_PER_WORKER: usize = 4;
/// What a busy answer asks the client to wait, in seconds.
pub const RETRY_AFTER_SECS: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Every worker is busy and the queue full, or no worker came free within the wait.
    #[error("the CPU pool is busy")]
    Busy,
    /// The job panicked; jobs that may panic on hostile input catch that themselves.
    #[error("the CPU job panicked")]
    Panicked,
}

/// Workers and a bounded queue; clones share them.
#[derive(Clone)]
pub struct Pool {
    workers: Arc<Semaphore>,
    /// Running and waiting jobs together.
    admitted: Arc<Semaphore>,
    capacity: usize,
    wait: Duration,
}

impl Pool {
    pub fn new(workers: usize, queue: usize, wait: Duration) -> Self {
        let workers = workers.max(1);
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admitted: Arc::new(Semaphore::new(workers + queue)),
            capacity: workers + queue,
            wait,
        }
    }

    /// Jobs it holds at most, running and waiting.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Jobs it holds now, running and waiting.
    pub fn load(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    /// Runs `job` on a blocking thread once a worker is free. `what` names the work in the
    /// log when it is refused. If the caller stops waiting (its request was dropped), the job
    /// still holds its worker until it ends, so the bound stays true.
    pub async fn run<T, F>(&self, what: &'static str, job: F) -> Result<T, Refused>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let Ok(admitted) = self.admitted.clone().try_acquire_owned() else {
            tracing::warn!(what, "CPU pool full: refused");
            return Err(Refused::Busy);
        };
        let Ok(Ok(worker)) =
            tokio::time::timeout(self.wait, self.workers.clone().acquire_owned()).await
        else {
            tracing::warn!(what, wait = ?self.wait, "no CPU worker came free: refused");
            return Err(Refused::Busy);
        };
        tokio::task::spawn_blocking(move || {
            let _held = (admitted, worker);
            job()
        })
        .await
        .map_err(|error| {
            tracing::error!(what, %error, "CPU job failed");
            Refused::Panicked
        })
    }
}

static SHARED: LazyLock<Pool> = LazyLock::new(|| {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    Pool::new(cpus, cpus * QUEUE_PER_WORKER, MAX_WAIT)
});

/// The process's pool: one worker per CPU.
pub fn shared() -> &'static Pool {
    &SHARED
}

/// [`Pool::run`] on the [`shared`] pool.
pub async fn run<T, F>(what: &'static str, job: F) -> Result<T, Refused>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    SHARED.run(what, job).await
}

/// The plain busy answer: 503, `Retry-After`, and `message` saying what to do.
pub fn busy_answer(message: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        message,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Instant;

    use super::*;

    /// A job on `pool` that runs until the returned sender is dropped or sent to.
    fn blocked(
        pool: &Pool,
    ) -> (
        mpsc::Sender<()>,
        tokio::task::JoinHandle<Result<(), Refused>>,
    ) {
        let (release, wait) = mpsc::channel::<()>();
        let pool = pool.clone();
        let job = tokio::spawn(async move {
            pool.run("test", move || {
                let _ = wait.recv();
            })
            .await
        });
        (release, job)
    }

    /// Until `pool` has admitted `count` jobs.
    async fn admitted(pool: &Pool, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.load() != count {
            assert!(Instant::now() < deadline, "jobs were not admitted");
            tokio::task::yield_now().await;
        }
    }

    async fn finished<T>(job: tokio::task::JoinHandle<T>) -> T {
        tokio::time::timeout(Duration::from_secs(10), job)
            .await
            .expect("the job ends once released")
            .unwrap()
    }

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_serves_again_when_a_job_ends() {
        let pool = Pool::new(1, 1, Duration::from_secs(60));
        let (release_running, running) = blocked(&pool);
        let (release_waiting, waiting) = blocked(&pool);
        admitted(&pool, 2).await;

        let asked = Instant::now();
        assert_eq!(pool.run("test", || 1).await, Err(Refused::Busy));
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );

        release_running.send(()).unwrap();
        assert_eq!(finished(running).await, Ok(()));
        release_waiting.send(()).unwrap();
        assert_eq!(finished(waiting).await, Ok(()));
        assert_eq!(pool.run("test", || 2).await, Ok(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_waits_no_longer_than_the_limit() {
        let pool = Pool::new(1, 4, MAX_WAIT);
        let (release, running) = blocked(&pool);
        admitted(&pool, 1).await;
        // The running job holds back auto-advance; the clock moves only when told.
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run("test", || 3).await }
        });
        admitted(&pool, 2).await;
        tokio::time::advance(MAX_WAIT - Duration::from_millis(1)).await;
        assert!(!queued.is_finished());
        tokio::time::advance(Duration::from_millis(1)).await;
        for _ in 0..1000 {
            if queued.is_finished() {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(queued.is_finished(), "still waiting after {MAX_WAIT:?}");
        assert_eq!(queued.await.unwrap(), Err(Refused::Busy));
        release.send(()).unwrap();
        assert_eq!(finished(running).await, Ok(()));
    }

    #[tokio::test]
    async fn a_dropped_caller_keeps_its_worker_until_the_job_ends() {
        let pool = Pool::new(1, 0, Duration::from_secs(60));
        let (release, running) = blocked(&pool);
        admitted(&pool, 1).await;
        running.abort();
        tokio::task::yield_now().await;
        assert_eq!(pool.run("test", || 4).await, Err(Refused::Busy));
        release.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match pool.run("test", || 4).await {
                Ok(value) => break assert_eq!(value, 4),
                Err(_) => assert!(Instant::now() < deadline, "the worker never came back"),
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_panicking_job_is_reported_and_frees_its_worker() {
        let pool = Pool::new(1, 0, Duration::from_secs(60));
        assert_eq!(
            pool.run("test", || panic!("hostile input")).await,
            Err::<(), _>(Refused::Panicked)
        );
        assert_eq!(pool.run("test", || 5).await, Ok(5));
    }

    #[test]
    fn the_shared_pool_has_a_worker_per_cpu_and_a_bounded_queue() {
        let cpus = std::thread::available_parallelism().unwrap().get();
        assert_eq!(shared().workers.available_permits(), cpus);
        assert_eq!(shared().capacity(), cpus * (1 + QUEUE_PER_WORKER));
    }
}
