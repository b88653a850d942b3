package org.parley.media.video;

/** One encoded video frame as a codec emits it, of any size; a key frame decodes without the frames before it. */
public record VideoFrame(boolean keyFrame, byte[] data) {
    public VideoFrame {
        if (data.length == 0) {
            throw new IllegalArgumentException("a video frame has at least one byte");
        }
    }
}
