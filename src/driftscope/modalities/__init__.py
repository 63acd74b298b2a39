"""Images, text and audio turned into features and embeddings for the drift core."""
