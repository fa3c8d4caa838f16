"""The Teams side: reading activities and answering them."""
