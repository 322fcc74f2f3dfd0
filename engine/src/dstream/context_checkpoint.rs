//! Checkpoints of a typed program, as Spark checkpoints a streaming
//! context: the batch count and every stateful operator's state (see
//! [`checkpoint`]), saved as text and restored into the
//! same streams built afresh. A pipeline's checkpoint is the same, with
//! the pipeline's text in it.

use crate::checkpoint::{self, CheckpointError, Part};
use crate::dstream::StreamingContext;

impl StreamingContext {
    /// Spark's checkpoint of a streaming context: how many batches ran and
    /// every stateful operator's state, as JSON text, to give to
    /// [`restore`](StreamingContext::restore) of the same streams built
    /// afresh (see [`checkpoint`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sparklet_engine::dstream::StreamingContext;
    /// # use sparklet_engine::Duration;
    /// let build = || {
    ///     let mut ssc = StreamingContext::new(Duration::from_secs(1));
    ///     let (input, words) = ssc.queue_stream::<String>();
    ///     let counts = words.map(|w| (w, 1i64)).update_state_by_key(|new: Vec<i64>, old| {
    ///         Some(old.unwrap_or(0) + new.iter().sum::<i64>())
    ///     });
    ///     let out = ssc.collect(counts);
    ///     (ssc, input, out)
    /// };
    /// let (ssc, input, _) = build();
    /// input.push(vec!["spark".into(), "spark".into()]);
    /// let mut ssc = ssc;
    /// ssc.run_batch();
    /// let saved = ssc.checkpoint();
    ///
    /// let (mut again, input, out) = build();
    /// again.restore(&saved).unwrap();
    /// input.push(vec!["spark".into()]);
    /// again.run_batch();
    /// assert_eq!(out.take(), vec![(2000, vec![("spark".to_string(), 3)])]);
    /// ```
    pub fn checkpoint(&self) -> String {
        checkpoint::write(self.checkpoint_parts())
    }

    /// The same checkpoint, taken now and written later, a part at a time:
    /// the parts' text, in order, is [`checkpoint`](Self::checkpoint)'s.
    pub fn checkpoint_parts(&self) -> Vec<Part> {
        self.checkpoint_parts_of(None)
    }

    /// Continues from `saved`, a checkpoint of these same streams at this
    /// batch interval. It is checked before use as input from outside (see
    /// [`Bounds`](crate::checkpoint::Bounds)); on any mismatch nothing
    /// changes, and the error says what was wrong.
    pub fn restore(&mut self, saved: &str) -> Result<(), CheckpointError> {
        self.restore_of(saved, None)
    }

    /// A checkpoint of the streams a pipeline's text built (`None`: the
    /// typed API's).
    pub(crate) fn checkpoint_parts_of(&self, pipeline: Option<&str>) -> Vec<Part> {
        let run = self.checkpoint_run(pipeline);
        checkpoint::save(&run, self.batches_run(), &self.graph().states())
    }

    pub(crate) fn restore_of(
        &mut self,
        saved: &str,
        pipeline: Option<&str>,
    ) -> Result<(), CheckpointError> {
        let run = self.checkpoint_run(pipeline);
        let batches_run = checkpoint::restore(saved, &run, &self.graph().states())?;
        self.set_batches_run(batches_run);
        Ok(())
    }

    fn checkpoint_run<'a>(&self, pipeline: Option<&'a str>) -> checkpoint::Run<'a> {
        checkpoint::Run {
            pipeline,
            batch_ms: self.batch_interval().as_millis(),
            max_keys: self.max_keys(),
            budget: self.state_budget(),
        }
    }
}
