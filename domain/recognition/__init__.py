"""专利密集型产品认定 (manual §七): certificates; rounds and notice come with recognition."""
