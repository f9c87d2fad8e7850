//! Background work: the registry kept in step with `machi town …` commands run beside the
//! server, and every module's jobs run for every town.

use super::Platform;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the served towns are compared with the registry.
const SYNC_EVERY: Duration = Duration::from_secs(2);

/// The running jobs; stopped with [`Jobs::abort`].
pub struct Jobs(Vec<JoinHandle<()>>);

impl Jobs {
    pub fn abort(self) {
        for h in self.0 {
            h.abort();
        }
    }
}

pub fn start(platform: Arc<Platform>) -> Jobs {
    let mut handles = Vec::new();
    let p = platform.clone();
    handles.push(tokio::spawn(async move {
        let mut tick = tokio::time::interval(SYNC_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = p.sync().await {
                tracing::error!("town registry: {e:#}");
            }
        }
    }));
    for job in crate::modules::registry().jobs.iter().copied() {
        let p = platform.clone();
        handles.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(job.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                for town in p.towns().all() {
                    let Some(state) = town.state(&p) else {
                        continue;
                    };
                    match (job.run)(state).await {
                        Ok(Some(line)) => {
                            tracing::info!(town = %town.record.code, job = job.name, "{line}")
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::error!(town = %town.record.code, job = job.name, "{e:#}")
                        }
                    }
                }
            }
        }));
    }
    Jobs(handles)
}
