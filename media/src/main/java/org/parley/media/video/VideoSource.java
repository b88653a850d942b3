package org.parley.media.video;

/** Where a call's outgoing video frames come from: an encoder behind a camera, or {@link SyntheticVideo}. */
@FunctionalInterface
public interface VideoSource {
    /** The next encoded frame; called once per frame interval. */
    VideoFrame next();
}
