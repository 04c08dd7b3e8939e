def test_progress_shows_brackets_in_its_texts_as_written(capsys):
    # rich read "[bold]" in a status as markup and hid it ("[/x]" vanished too)
    from scimlkit._progress import progress

    with progress(2, "trials [a]", show=True) as bar:
        bar.advance(1, status="best [/x]")
        bar.advance(1, status="[bold]k")
    err = capsys.readouterr().err
    assert "trials [a]" in err and "[bold]k" in err
