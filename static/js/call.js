// A study's mesh call: one RTCPeerConnection per other participant, signalled over
// /ws/rtc/<study_id>/ (docs/protocol.md). Negotiation follows the "perfect negotiation"
// pattern: the peer with the larger peer id is polite and yields when both offer at once.
import { ReconnectingSocket, State } from "./socket.js";
import { showRefusal } from "./connection.js";

const SPEAKING_LEVEL = 0.04;
const LEVEL_INTERVAL_MS = 150;

const root = document.querySelector("[data-call]");
const grid = root.querySelector("[data-call-grid]");
const statusLine = root.querySelector("[data-call-status]");
const tileTemplate = root.querySelector("template[data-tile-template]");
const buttons = Object.fromEntries(
  [...root.querySelectorAll("[data-action]")].map((button) => [button.dataset.action, button]),
);

const media = { mic: true, camera: true, screen: false };
const local = { stream: new MediaStream(), camera: null, mic: null, screen: null, tile: null };
const peers = new Map();
let myPeerId = null;
let rtcConfig = { iceServers: [], iceTransportPolicy: "all" };
let renewTimer = null;
let audioContext = null;
let socket = null;

function setStatus(text) {
  statusLine.textContent = text;
}

function send(frame) {
  if (socket) socket.send(frame);
}

// Tiles: a video, a name, media badges, the connection state and a speaking ring.

function makeTile(name, { self = false } = {}) {
  const tile = tileTemplate.content.firstElementChild.cloneNode(true);
  tile.querySelector("[data-tile-name]").textContent = self
    ? interpolate(gettext("%s (you)"), [name])
    : name;
  const video = tile.querySelector("video");
  video.muted = self;
  grid.append(tile);
  return tile;
}

function showMedia(tile, state) {
  const badges = [];
  if (!state.mic) badges.push(gettext("muted"));
  if (!state.camera && !state.screen) badges.push(gettext("camera off"));
  if (state.screen) badges.push(gettext("sharing screen"));
  tile.querySelector("[data-tile-media]").textContent = badges.join(" · ");
  tile.dataset.media = JSON.stringify(state);
}

const CONNECTION_LABELS = {
  new: () => gettext("connecting"),
  connecting: () => gettext("connecting"),
  connected: () => "",
  disconnected: () => gettext("reconnecting"),
  failed: () => gettext("connection failed"),
  closed: () => gettext("closed"),
};

function showConnection(tile, state) {
  tile.dataset.connectionState = state;
  const label = CONNECTION_LABELS[state];
  tile.querySelector("[data-tile-state]").textContent = label ? label() : state;
}

function playVideo(video) {
  video.play().catch(() => {
    // Autoplay with sound needs a user gesture: play muted and offer to turn the sound on.
    video.muted = true;
    video.play().catch(() => {});
    buttons.sound.classList.remove("hidden");
  });
}

// Speaking indicator: the loudness of each audio stream, from a WebAudio analyser.

function watchLevel(stream, tile) {
  if (!stream.getAudioTracks().length || tile.dataset.levelWatched) return;
  audioContext = audioContext || new AudioContext();
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 512;
  audioContext.createMediaStreamSource(stream).connect(analyser);
  tile.dataset.levelWatched = "1";
  const samples = new Uint8Array(analyser.fftSize);
  const timer = setInterval(() => {
    if (!tile.isConnected) {
      clearInterval(timer);
      return;
    }
    analyser.getByteTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += ((sample - 128) / 128) ** 2;
    const speaking = Math.sqrt(sum / samples.length) > SPEAKING_LEVEL;
    tile.classList.toggle("ring-emerald-400", speaking);
    tile.classList.toggle("ring-transparent", !speaking);
    tile.dataset.speaking = speaking ? "1" : "0";
  }, LEVEL_INTERVAL_MS);
}

// One connection per remote participant.

class Peer {
  constructor(info) {
    this.id = info.peer_id;
    this.polite = myPeerId > this.id;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.queue = Promise.resolve();
    this.tile = makeTile(info.name);
    this.tile.dataset.peerId = this.id;
    showMedia(this.tile, info.media);
    this.pc = new RTCPeerConnection(rtcConfig);
    showConnection(this.tile, this.pc.connectionState);
    this.addLocalTracks();
    this.pc.addEventListener("negotiationneeded", () => this.offer());
    this.pc.addEventListener("icecandidate", ({ candidate }) => {
      if (candidate) send({ type: "ice", to: this.id, candidate: candidate.toJSON() });
    });
    this.pc.addEventListener("track", ({ track, streams }) => {
      const video = this.tile.querySelector("video");
      const stream = streams[0] || video.srcObject || new MediaStream();
      if (!streams[0]) stream.addTrack(track);
      if (video.srcObject !== stream) {
        video.srcObject = stream;
        playVideo(video);
      }
      if (track.kind === "audio") watchLevel(stream, this.tile);
    });
    this.pc.addEventListener("connectionstatechange", () => {
      showConnection(this.tile, this.pc.connectionState);
      if (this.pc.connectionState === "failed") this.pc.restartIce();
    });
  }

  addLocalTracks() {
    const audio = local.mic;
    const video = local.screen || local.camera;
    if (audio) this.pc.addTrack(audio, local.stream);
    else this.pc.addTransceiver("audio", { direction: "recvonly" });
    if (video) this.videoSender = this.pc.addTrack(video, local.stream);
    else this.pc.addTransceiver("video", { direction: "recvonly" });
  }

  async offer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      send({ type: "offer", to: this.id, sdp: this.pc.localDescription.sdp });
    } catch (error) {
      console.error("offer failed", error);
    } finally {
      this.makingOffer = false;
    }
  }

  // Signals of one peer are handled one after the other, in the order they arrived.
  handle(frame) {
    this.queue = this.queue.then(() => this.apply(frame)).catch((error) => {
      console.error("signal failed", frame.type, error);
    });
  }

  async apply(frame) {
    if (frame.type === "ice") {
      try {
        await this.pc.addIceCandidate(frame.candidate);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
      return;
    }
    const collision =
      frame.type === "offer" && (this.makingOffer || this.pc.signalingState !== "stable");
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    await this.pc.setRemoteDescription({ type: frame.type, sdp: frame.sdp });
    if (frame.type === "offer") {
      await this.pc.setLocalDescription();
      send({ type: "answer", to: this.id, sdp: this.pc.localDescription.sdp });
    }
  }

  replaceVideo(track) {
    if (!this.videoSender) {
      // Joined without a camera: start sending on the receive-only video transceiver.
      const transceiver = this.pc
        .getTransceivers()
        .find((candidate) => candidate.receiver.track.kind === "video");
      if (!transceiver || !track) return;
      transceiver.direction = "sendrecv";
      transceiver.sender.setStreams(local.stream);
      this.videoSender = transceiver.sender;
    }
    this.videoSender.replaceTrack(track);
  }

  close() {
    this.pc.close();
    this.tile.remove();
  }
}

// Signalling frames from a peer we have not been told about yet. An offer travels straight to
// this socket while peer.joined travels through the call's group, so the offer can arrive
// first; dropping it would leave the newcomer waiting for an answer that never comes.
const EARLY_FRAME_LIMIT = 200;
const earlyFrames = new Map();

function keepEarlyFrame(frame) {
  const frames = earlyFrames.get(frame.from) || [];
  if (frames.length < EARLY_FRAME_LIMIT) frames.push(frame);
  earlyFrames.set(frame.from, frames);
}

function addPeer(info) {
  if (info.peer_id === myPeerId || peers.has(info.peer_id)) return;
  const peer = new Peer(info);
  peers.set(info.peer_id, peer);
  for (const frame of earlyFrames.get(info.peer_id) || []) peer.handle(frame);
  earlyFrames.delete(info.peer_id);
  showCount();
}

function removePeer(peerId) {
  earlyFrames.delete(peerId);
  const peer = peers.get(peerId);
  if (!peer) return;
  peer.close();
  peers.delete(peerId);
  showCount();
}

function closeAllPeers() {
  for (const peer of peers.values()) peer.close();
  peers.clear();
  earlyFrames.clear();
}

function showCount() {
  setStatus(
    peers.size
      ? interpolate(
          ngettext("In the call with %s other person", "In the call with %s other people", peers.size),
          [peers.size],
        )
      : gettext("You are the only one here. Others will appear as they join."),
  );
}

// ICE servers: given on join, renewed over HTTP before their TURN credentials expire.

function applyIce(config) {
  rtcConfig = {
    iceServers: config.ice_servers.map((server) => ({
      urls: server.urls,
      ...(server.username ? { username: server.username, credential: server.credential } : {}),
    })),
    iceTransportPolicy: config.ice_transport_policy === "relay" ? "relay" : "all",
  };
  clearTimeout(renewTimer);
  if (config.expires_at) {
    const halfLifeMs = Math.max(10000, ((config.expires_at * 1000 - Date.now()) / 2) | 0);
    renewTimer = setTimeout(renewIce, halfLifeMs);
  }
}

async function renewIce() {
  try {
    const response = await fetch(root.dataset.iceUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    applyIce(await response.json());
    for (const peer of peers.values()) peer.pc.setConfiguration(rtcConfig);
  } catch {
    renewTimer = setTimeout(renewIce, 30000);
  }
}

// Signalling.

function onFrame(frame) {
  switch (frame.type) {
    case "call.joined":
      // A new seat after a reconnect: the others see a new peer, so start afresh.
      closeAllPeers();
      myPeerId = frame.peer_id;
      applyIce(frame);
      document.body.dataset.callPeerId = myPeerId;
      if (!media.mic || !media.camera || media.screen) send({ type: "media", ...media });
      for (const info of frame.participants) addPeer(info);
      showCount();
      break;
    case "peer.joined":
      addPeer(frame.peer);
      break;
    case "peer.left":
      removePeer(frame.peer_id);
      break;
    case "peer.media": {
      const peer = peers.get(frame.peer_id);
      if (peer) showMedia(peer.tile, frame.media);
      break;
    }
    case "offer":
    case "answer":
    case "ice": {
      const peer = peers.get(frame.from);
      if (peer) peer.handle(frame);
      else keepEarlyFrame(frame);
      break;
    }
    case "error":
      console.warn("call signalling error", frame.code, frame.detail);
      break;
  }
}

function onSocketState(state, detail) {
  document.body.dataset.callSocket = state;
  if (state === State.WAITING || state === State.CONNECTING) {
    if (myPeerId) setStatus(gettext("Connection lost; rejoining…"));
  } else if (state === State.REFUSED) {
    closeAllPeers();
    stopLocalTracks();
    setStatus(gettext("Not in the call."));
    const controls = [...root.querySelectorAll("[data-action]")].filter(
      (button) => button.dataset.action !== "leave",
    );
    showRefusal(document.querySelector("[data-refusal-box]"), detail, controls);
  }
}

// Local media and the controls.

function stopLocalTracks() {
  for (const track of [local.mic, local.camera, local.screen]) if (track) track.stop();
}

async function openLocalMedia() {
  const attempts = [{ audio: true, video: true }, { audio: true }, { video: true }];
  for (const constraints of attempts) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch {
      // Try with fewer devices.
    }
  }
  return new MediaStream();
}

function showLocalPreview() {
  const video = local.tile.querySelector("video");
  video.srcObject = new MediaStream([local.screen || local.camera].filter(Boolean));
  video.play().catch(() => {});
}

function announceMedia() {
  showMedia(local.tile, media);
  buttons.mic.setAttribute("aria-pressed", String(media.mic));
  buttons.mic.textContent = media.mic ? gettext("Mute") : gettext("Unmute");
  buttons.camera.setAttribute("aria-pressed", String(media.camera));
  buttons.camera.textContent = media.camera ? gettext("Stop camera") : gettext("Start camera");
  buttons.screen.setAttribute("aria-pressed", String(media.screen));
  buttons.screen.textContent = media.screen ? gettext("Stop sharing") : gettext("Share screen");
  if (myPeerId) send({ type: "media", ...media });
}

async function startScreenShare() {
  let stream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
  } catch {
    return;
  }
  local.screen = stream.getVideoTracks()[0];
  local.screen.addEventListener("ended", stopScreenShare);
  for (const peer of peers.values()) peer.replaceVideo(local.screen);
  media.screen = true;
  showLocalPreview();
  announceMedia();
}

function stopScreenShare() {
  if (!local.screen) return;
  local.screen.stop();
  local.screen = null;
  for (const peer of peers.values()) peer.replaceVideo(local.camera);
  media.screen = false;
  showLocalPreview();
  announceMedia();
}

buttons.mic.addEventListener("click", () => {
  media.mic = !media.mic;
  if (local.mic) local.mic.enabled = media.mic;
  announceMedia();
});

buttons.camera.addEventListener("click", () => {
  media.camera = !media.camera;
  if (local.camera) local.camera.enabled = media.camera;
  announceMedia();
});

buttons.screen.addEventListener("click", () => {
  if (media.screen) stopScreenShare();
  else startScreenShare();
});

buttons.sound.addEventListener("click", () => {
  for (const video of grid.querySelectorAll("[data-peer-id] video")) {
    video.muted = false;
    video.play().catch(() => {});
  }
  if (audioContext) audioContext.resume();
  buttons.sound.classList.add("hidden");
});

buttons.leave.addEventListener("click", () => {
  if (socket) socket.close();
  closeAllPeers();
  stopLocalTracks();
  location.assign(root.dataset.studyUrl);
});

async function start() {
  const stream = await openLocalMedia();
  local.mic = stream.getAudioTracks()[0] || null;
  local.camera = stream.getVideoTracks()[0] || null;
  for (const track of stream.getTracks()) local.stream.addTrack(track);
  media.mic = Boolean(local.mic);
  media.camera = Boolean(local.camera);
  local.tile = makeTile(root.dataset.selfName, { self: true });
  showLocalPreview();
  watchLevel(new MediaStream([local.mic].filter(Boolean)), local.tile);
  announceMedia();
  socket = new ReconnectingSocket(root.dataset.socketPath, {
    onMessage: onFrame,
    onState: onSocketState,
  });
}

start();
