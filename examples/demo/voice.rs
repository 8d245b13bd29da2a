//! Part 2 of the demo: a voice-agent pipeline with barge-in on the extension runtime.
//!
//! ```text
//!  mic ──audio_frame "pcm"──► asr ──data "asr_result"──► llm ──data "text_chunk"──► tts
//!                              │                          ▲  │                        │
//!                              └──────cmd "flush"─────────┘  └──────cmd "flush"──────►│
//!                                                                 audio_frame "speech"▼
//!                                                                                  speaker
//! ```
//!
//! The user says something, pauses, the agent starts answering token by token — and the
//! user interrupts. asr sends `flush`; llm cancels its generation task and forwards `flush`;
//! tts drops the speech it has not played; then the new question is answered.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::Task;
use evloop::ext::{
    App, AudioFrame, Cmd, CmdResult, Data, Extension, HookFuture, Responder, TenEnv,
};

/// Prints timeline lines, with the time since the pipeline started.
#[derive(Clone)]
struct Timeline(Instant);

impl Timeline {
    fn say(&self, who: &str, what: impl AsRef<str>) {
        println!(
            "{:>6} ms  {who:<8} {}",
            self.0.elapsed().as_millis(),
            what.as_ref()
        );
    }
}

const FRAME: Duration = Duration::from_millis(10);

/// What the user says: (start ms, words, one per 100 ms).
const SPEECH: &[(u64, &[&str])] = &[
    (0, &["what's", "the", "weather"]),
    (700, &["stop", "tell", "a", "joke"]),
];

/// The microphone: one frame every 10 ms; frames carry the word being spoken, if any.
struct Mic(Timeline);

impl Extension for Mic {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let tl = self.0.clone();
        evloop::spawn(async move {
            tl.say("mic", "listening (one audio frame every 10 ms)");
            // Frames keep to the clock, as a sound card's do: a late frame does not delay
            // the ones after it.
            let start = Instant::now();
            for n in 0..200u64 {
                let ms = n * 10;
                let mut frame = AudioFrame::new("pcm").expect("valid name");
                frame.timestamp = ms as i64;
                frame.samples_per_channel = 160;
                frame.buf = vec![0; 320];
                for (start, words) in SPEECH {
                    let i = ms.saturating_sub(*start) / 100;
                    if ms >= *start && (i as usize) < words.len() && ms % 100 == start % 100 {
                        frame
                            .properties_mut()
                            .set_string("word", words[i as usize])
                            .expect("key");
                    }
                }
                let _ = env.send_audio_frame(frame);
                evloop::sleep_until(start + FRAME * (n as u32 + 1)).await;
            }
            env.close_app();
        });
        Box::pin(async { Ok(()) })
    }
}

/// Speech-to-text: collects words; 200 ms of silence ends an utterance. The first word of a
/// new utterance while the agent may still be talking is a barge-in: flush first.
struct Asr {
    tl: Timeline,
    words: RefCell<Vec<String>>,
    silent_frames: Cell<u32>,
    answered_once: Cell<bool>,
}

impl Extension for Asr {
    fn on_audio_frame(self: Rc<Self>, env: TenEnv, frame: AudioFrame) -> HookFuture {
        Box::pin(async move {
            let Ok(word) = frame.properties().get_string("word") else {
                self.silent_frames.set(self.silent_frames.get() + 1);
                if self.silent_frames.get() == 20 && !self.words.borrow().is_empty() {
                    let text = self
                        .words
                        .borrow_mut()
                        .drain(..)
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.tl.say("asr", format!("heard \"{text}\""));
                    let mut d = Data::new("asr_result")?;
                    d.properties_mut().set_string("text", &text)?;
                    env.send_data(d)?;
                    self.answered_once.set(true);
                }
                return Ok(());
            };
            self.silent_frames.set(0);
            let barge_in = self.words.borrow().is_empty() && self.answered_once.get();
            self.words.borrow_mut().push(word);
            if barge_in {
                self.tl.say("asr", "user barges in -> flush");
                let r = env.send_cmd(Cmd::new("flush")?).await?;
                self.tl.say("asr", format!("flush done ({:?})", r.status()));
            }
            Ok(())
        })
    }
}

/// The language model: answers an utterance token by token, 60 ms apart; `flush` cancels
/// the answer in flight and passes the flush on to tts.
struct Llm {
    tl: Timeline,
    generation: RefCell<Option<Task<()>>>,
}

impl Extension for Llm {
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        Box::pin(async move {
            let question = data.properties().get_string("text")?;
            let answer: &[&str] = if question.contains("joke") {
                &[
                    "Why",
                    "did",
                    "the",
                    "loop",
                    "stop?",
                    "It",
                    "was",
                    "cancelled.",
                ]
            } else {
                &["It", "is", "sunny", "and", "warm", "all", "day", "today."]
            };
            let tl = self.tl.clone();
            let task = evloop::spawn(async move {
                for token in answer {
                    evloop::sleep(Duration::from_millis(60)).await;
                    tl.say("llm", format!("token \"{token}\""));
                    let mut d = Data::new("text_chunk").expect("valid name");
                    d.properties_mut().set_string("text", token).expect("key");
                    let _ = env.send_data(d);
                }
            });
            *self.generation.borrow_mut() = Some(task);
            Ok(())
        })
    }

    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            let in_flight = self.generation.borrow_mut().take();
            if let Some(task) = in_flight
                && task.cancel()
            {
                self.tl.say("llm", "flush: answer cancelled mid-sentence");
            }
            let downstream = env.send_cmd(Cmd::new("flush")?).await?;
            reply.send(CmdResult::new(downstream.status(), &cmd))
        })
    }
}

/// Text-to-speech: 40 ms to synthesise a chunk; `flush` drops what is being synthesised.
struct Tts {
    tl: Timeline,
    epoch: Cell<u64>,
}

impl Extension for Tts {
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        Box::pin(async move {
            let text = data.properties().get_string("text")?;
            let epoch = self.epoch.get();
            evloop::sleep(Duration::from_millis(40)).await;
            if self.epoch.get() != epoch {
                self.tl.say("tts", format!("dropped \"{text}\" (flushed)"));
                return Ok(());
            }
            let mut frame = AudioFrame::new("speech")?;
            frame.properties_mut().set_string("text", &text)?;
            env.send_audio_frame(frame)
        })
    }

    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        self.epoch.set(self.epoch.get() + 1);
        self.tl.say("tts", "flush: pending speech dropped");
        Box::pin(async move { reply.send(CmdResult::ok(&cmd)) })
    }
}

/// The speaker: plays what tts says.
struct Speaker(Timeline);

impl Extension for Speaker {
    fn on_audio_frame(self: Rc<Self>, _env: TenEnv, frame: AudioFrame) -> HookFuture {
        let text = frame.properties().get_string("text").unwrap_or_default();
        self.0.say("speaker", format!("plays \"{text}\""));
        Box::pin(async { Ok(()) })
    }
}

const GRAPH: &str = r#"{
  "nodes": [
    {"type": "extension", "name": "mic", "addon": "mic"},
    {"type": "extension", "name": "asr", "addon": "asr"},
    {"type": "extension", "name": "llm", "addon": "llm"},
    {"type": "extension", "name": "tts", "addon": "tts"},
    {"type": "extension", "name": "speaker", "addon": "speaker"}
  ],
  "connections": [
    {"extension": "mic", "audio_frame": [{"name": "pcm", "dest": [{"extension": "asr"}]}]},
    {"extension": "asr", "data": [{"name": "asr_result", "dest": [{"extension": "llm"}]}],
                         "cmd": [{"name": "flush", "dest": [{"extension": "llm"}]}]},
    {"extension": "llm", "data": [{"name": "text_chunk", "dest": [{"extension": "tts"}]}],
                         "cmd": [{"name": "flush", "dest": [{"extension": "tts"}]}]},
    {"extension": "tts", "audio_frame": [{"name": "speech", "dest": [{"extension": "speaker"}]}]}
  ]
}"#;

/// Runs the pipeline on a new loop until the microphone is done.
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    let tl = Timeline(Instant::now());
    let mut app = App::new();
    let t = tl.clone();
    app.register("mic", move || Rc::new(Mic(t.clone())));
    let t = tl.clone();
    app.register("asr", move || {
        Rc::new(Asr {
            tl: t.clone(),
            words: RefCell::new(Vec::new()),
            silent_frames: Cell::new(0),
            answered_once: Cell::new(false),
        })
    });
    let t = tl.clone();
    app.register("llm", move || {
        Rc::new(Llm {
            tl: t.clone(),
            generation: RefCell::new(None),
        })
    });
    let t = tl.clone();
    app.register("tts", move || {
        Rc::new(Tts {
            tl: t.clone(),
            epoch: Cell::new(0),
        })
    });
    let t = tl.clone();
    app.register("speaker", move || Rc::new(Speaker(t.clone())));
    app.load_graph_json(GRAPH)?;
    evloop::run(app.run())??;
    tl.say("app", "closed: every extension stopped and deinitialised");
    Ok(())
}
