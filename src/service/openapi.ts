/** The OpenAPI 3.1 document of `trackprobe serve`, served at /openapi.json. */
import { VERSION } from "../result.js";

const error = { $ref: "#/components/schemas/Error" };
const json = (schema: object, description: string) => ({ description, content: { "application/json": { schema } } });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };

export function openApiDocument(): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "trackprobe",
      version: VERSION,
      description:
        "Music analysis as a service: tempo, beat grid, key, loudness (EBU R128), danceability, energy. Upload audio, follow the job (Server-Sent Events), read the result. With a token configured, every /v1 request needs `Authorization: Bearer TOKEN` (or `?access_token=TOKEN`, for EventSource).",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" }, sniffed: { type: "string" } } } },
        },
        Job: {
          type: "object",
          required: ["id", "status", "file", "createdAt"],
          properties: {
            id: { type: "string", format: "uuid" },
            status: { enum: ["queued", "running", "done", "failed"] },
            file: { type: "string", description: "the name the upload gave" },
            cached: { type: "boolean", description: "answered from the result cache (same content analysed before)" },
            createdAt: { type: "string", format: "date-time" },
            finishedAt: { type: "string", format: "date-time" },
            result: { description: "the Analysis (schema/analysis.schema.json) when status is done", type: "object" },
            error: { description: "when status is failed", type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
          },
        },
        AudioFeatures: {
          type: "object",
          description: "Spotify's audio-features shape. Fields trackprobe does not estimate are null.",
          properties: {
            id: { type: "string" },
            type: { const: "audio_features" },
            analysis_url: { type: "string" },
            duration_ms: { type: "integer" },
            tempo: { type: ["number", "null"] },
            key: { type: "integer", minimum: -1, maximum: 11, description: "pitch class of the tonic; −1: no key" },
            mode: { enum: [0, 1, null], description: "1 major, 0 minor; null: no key" },
            time_signature: { type: ["integer", "null"], description: "beats per bar" },
            loudness: { type: ["number", "null"], description: "integrated loudness, LUFS" },
            danceability: { type: ["number", "null"] },
            energy: { type: ["number", "null"] },
            acousticness: { type: "null" },
            instrumentalness: { type: "null" },
            liveness: { type: "null" },
            speechiness: { type: "null" },
            valence: { type: "null" },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/analyses": {
        post: {
          summary: "Upload audio for analysis",
          description:
            "The audio is the raw request body (any content type but multipart) or the first file of a multipart/form-data body. It is streamed to a temporary file, hashed, and answered from the cache when the same content was analysed with the same options; otherwise a job is queued.",
          parameters: [
            { name: "features", in: "query", schema: { type: "string" }, description: "comma-separated: loudness,tempo,beats,downbeats,meter,key,danceability,energy (default all)" },
            { name: "bpm_range", in: "query", schema: { type: "string", pattern: "^\\d+(\\.\\d+)?-\\d+(\\.\\d+)?$" }, description: "report the tempo inside MIN-MAX BPM" },
            { name: "model", in: "query", schema: { type: "string", enum: ["dsp", "neural", "auto"] }, description: "beat model for tempo, beats and downbeats (default dsp; auto: neural where the server has onnxruntime-node)" },
            { name: "name", in: "query", schema: { type: "string" }, description: "the name to report as `file` (raw bodies; multipart uses the part's file name)" },
          ],
          requestBody: { required: true, content: { "application/octet-stream": { schema: { type: "string", format: "binary" } }, "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } } } },
          responses: {
            "200": json({ $ref: "#/components/schemas/Job" }, "answered from the cache: status done (or failed)"),
            "202": json({ $ref: "#/components/schemas/Job" }, "queued; Location: the job"),
            "400": json(error, "bad options"),
            "401": json(error, "missing or wrong token"),
            "413": json(error, "larger than the upload limit"),
            "415": json(error, "not audio trackprobe can read; `sniffed` says what it looked like"),
            "429": json(error, "the queue is full; Retry-After says when to try again"),
          },
        },
      },
      "/v1/analyses/{id}": {
        get: { summary: "A job: status, and the result or the error", parameters: [idParam], responses: { "200": json({ $ref: "#/components/schemas/Job" }, "the job"), "404": json(error, "no such job") } },
      },
      "/v1/analyses/{id}/events": {
        get: {
          summary: "The job's events as Server-Sent Events",
          description: "Events: `queued`, `progress` ({audioSeconds}), `preview` (tempo, key, loudness of the audio so far), `final` ({status, outcome}); the stream ends after `final`. A late subscriber gets the events so far first.",
          parameters: [idParam],
          responses: { "200": { description: "text/event-stream", content: { "text/event-stream": { schema: { type: "string" } } } }, "404": json(error, "no such job") },
        },
      },
      "/v1/audio-features/{id}": {
        get: {
          summary: "The result in Spotify's audio-features shape",
          parameters: [idParam],
          responses: { "200": json({ $ref: "#/components/schemas/AudioFeatures" }, "the features"), "404": json(error, "no such job"), "409": json(error, "not finished yet"), "422": json(error, "the analysis failed") },
        },
      },
      "/healthz": { get: { summary: "Liveness", security: [], responses: { "200": json({ type: "object" }, "ok, with the pool size and the queue depth") } } },
      "/metrics": { get: { summary: "Prometheus metrics (text exposition format)", security: [], responses: { "200": { description: "text/plain; version=0.0.4" } } } },
      "/openapi.json": { get: { summary: "This document", security: [], responses: { "200": json({ type: "object" }, "OpenAPI 3.1") } } },
      "/": { get: { summary: "The web page: drop a file, watch it analyse", security: [], responses: { "200": { description: "text/html" } } } },
    },
  };
}
